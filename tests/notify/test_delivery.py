"""Delivery to real receivers on 127.0.0.1: e-mail and a signed webhook, at least once, with
retries, failures shown, and a sender killed mid-batch losing nothing."""
from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.notify.channels import NotifySettings
from app.notify.sender import deliver_due, failed_messages
from app.notify.tables import notification_attempts, notification_deliveries
from app.scheduler import run_job
from tests.files.conftest import API

from .conftest import channel_config

ROOT = Path(__file__).resolve().parents[2]


def contacts(world, *users):
    for u in users:
        r = world.client.post(f"{API}/users/{u}/contact", headers=world.h["admin"],
                              json={"email": f"{u}@example.gov.cn", "phone": "13800000000"})
        assert r.status_code == 200


def test_email_and_webhook_carry_the_stable_id(nworld, mailbox, receiver):
    contacts(nworld, "rep1")
    pid = nworld.problem_at("U01")
    run = run_job(nworld.svc, "notify")
    assert run["outcome"] == "ok" and "已投递 2 条" in run["summary"]
    (mail,) = mailbox.messages
    mid = f"{nworld.svc.store.head()[0]}-rep1"
    assert mail["Subject"].startswith(f"【交办】问题 {pid}")
    assert mail["Message-ID"] == f"<{mid}@duban>" and mail["To"] == "rep1@example.gov.cn"
    assert {p.get_content_type() for p in mail.iter_parts()} == {"text/plain", "text/html"}
    assert f"/admin/problem-timeline/?id={pid}" in mail.get_body(("plain",)).get_content()
    (headers, body), = receiver.requests
    sent = receiver.bodies()[0]
    assert sent == {"id": mid, "user": "rep1", "phone": "13800000000", "title": mail["Subject"],
                    "body": sent["body"], "link": f"/admin/problem-timeline/?id={pid}"}
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Duban-Signature"] == expected
    # delivered once: the next run finds nothing due
    assert "已投递 0 条" in run_job(nworld.svc, "notify")["summary"]
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 1


def test_no_email_address_is_skipped_and_the_webhook_still_goes(nworld, mailbox, receiver):
    nworld.problem_at("U01")
    run = run_job(nworld.svc, "notify")
    assert "已投递 1 条" in run["summary"] and "无联系方式未发 1 条" in run["summary"]
    assert mailbox.messages == [] and receiver.bodies()[0]["phone"] is None


def test_a_failing_receiver_is_retried_with_backoff_then_marked_failed(nworld, receiver, clock):
    nworld.problem_at("U01")
    s = NotifySettings.from_mapping({**channel_config_only_webhook(receiver)})
    receiver.failing = 1
    assert deliver_due(nworld.svc.engine, s, clock)["retry"] == 1
    assert deliver_due(nworld.svc.engine, s, clock)["sent"] == 0  # not due before its backoff
    clock.advance(seconds=61)
    assert deliver_due(nworld.svc.engine, s, clock)["sent"] == 1
    assert len(receiver.requests) == 1
    # another message that keeps failing: 3 attempts (60 s, then 120 s apart), then failed
    pid = nworld.problem_at("U01")
    receiver.failing = 100
    for wait in (0, 61, 121):
        clock.advance(seconds=wait)
        deliver_due(nworld.svc.engine, s, clock)
    with nworld.svc.engine.connect() as conn:
        failed = failed_messages(conn)
        attempts = conn.execute(select(notification_attempts.c.outcome)
                                .order_by(notification_attempts.c.id)).scalars().all()
    assert [(f.channel, f.attempts) for f in failed] == [("webhook", 3)]
    assert "HTTP" in failed[0].last_error or "500" in failed[0].last_error
    assert attempts == ["error", "sent", "error", "error", "failed"]
    clock.advance(hours=1)
    receiver.failing = 0
    assert deliver_due(nworld.svc.engine, s, clock)["sent"] == 0  # failed stays failed
    assert pid


def channel_config_only_webhook(receiver) -> dict:
    return {"WEBHOOK_URL": receiver.url, "WEBHOOK_SECRET": "s3cret", "NOTIFY_MAX_ATTEMPTS": "3",
            "NOTIFY_BACKOFF_SECONDS": "60", "NOTIFY_MAX_AGE_HOURS": "100000"}


def test_a_sender_killed_mid_batch_loses_nothing(nworld, mailbox, receiver, database_url, tmp_path):
    contacts(nworld, "rep1", "rep2")
    for i in range(6):
        nworld.problem_at("U01" if i % 2 else "U02")
    with nworld.svc.engine.connect() as conn:
        from app.notify.outbox import outbox

        expected = set(conn.execute(select(outbox.c.id)).scalars())
    assert len(expected) == 6
    mailbox.delay = 0.3
    # a short lease: on SQLite the killed run's job lock lapses after it (PostgreSQL's advisory
    # lock goes with the killed session)
    # the process runs on the real clock, which may be in the default quiet hours: none here
    env = {**os.environ, "DATABASE_URL": database_url, "BLOB_DIR": str(tmp_path / "blobs"),
           "SCHEDULER_LOCK_LEASE": "2", **channel_config(mailbox, receiver),
           "NOTIFY_QUIET_HOURS": "off"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run-job", "notify"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while len(mailbox.messages) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch: some sent, some not, one perhaps unrecorded
    proc.wait()
    got_before = set(mailbox.ids())
    assert 2 <= len(got_before) < 6
    mailbox.delay = 0
    for _ in range(20):  # the scheduler's next run, once the dead run's lock has lapsed
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if "跳过" not in out.stdout:
            break
        time.sleep(0.5)
    assert out.returncode == 0, out.stdout + out.stderr
    assert set(mailbox.ids()) == expected  # every message, at least once
    assert {b["id"] for b in receiver.bodies()} == expected
    # a repeat carries the same id, so the receiver can drop it
    assert len(mailbox.ids()) - len(set(mailbox.ids())) <= 1
    with nworld.svc.engine.connect() as conn:
        statuses = set(conn.execute(select(notification_deliveries.c.status)).scalars())
    assert statuses == {"sent"}
