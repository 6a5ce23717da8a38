"""Quiet hours and the daily digest, with the real SMTP server and webhook receiver: held while
quiet and sent after; a day's messages gathered into one digest at its time; a digest cut off mid-send
sent again with the same id; the settings refused when they are not times."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.notify.channels import NotifySettings
from app.notify.outbox import outbox
from app.notify.sender import deliver_due, failed_messages
from app.notify.tables import notification_deliveries, notification_digests, user_contacts
from app.scheduler import run_job
from tests.admin.ui import UI, hidden_inputs
from tests.files.conftest import API

from .conftest import channel_config
from .test_delivery import ROOT, contacts

SHANGHAI = timezone(timedelta(hours=8))


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def settings(world, user, body, who="admin"):
    r = world.client.post(f"{API}/users/{user}/contact", headers=world.h[who], json=body)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def ids_of(world, user) -> list[str]:
    with world.svc.engine.connect() as conn:
        return list(conn.execute(select(outbox.c.id).where(outbox.c.username == user)
                                 .order_by(outbox.c.position)).scalars())


def inbox(world, who) -> list[dict]:
    return world.client.get(API + "/notifications", headers=world.h[who]).get_json()


def test_quiet_hours_hold_email_and_webhook_until_they_end(nworld, mailbox, receiver, clock):
    contacts(nworld, "rep1", "rep2")
    settings(nworld, "rep2", {"quiet_hours": "off"})  # rep2 wants everything at once
    clock.set(local(2026, 11, 25, 23, 30))  # in the default quiet hours, 22:00-07:00
    nworld.problem_at("U01")
    nworld.problem_at("U02")
    run = run_job(nworld.svc, "notify")
    assert "已投递 2 条" in run["summary"] and "免打扰或待日报暂缓 2 条" in run["summary"]
    assert [m["To"] for m in mailbox.messages] == ["rep2@example.gov.cn"]
    assert [b["user"] for b in receiver.bodies()] == ["rep2"]
    assert len(inbox(nworld, "rep1")) == 1  # the inbox is not held
    clock.set(local(2026, 11, 26, 6, 59))
    assert "已投递 0 条" in run_job(nworld.svc, "notify")["summary"]
    clock.set(local(2026, 11, 26, 7, 0))  # quiet time ends
    assert "已投递 2 条" in run_job(nworld.svc, "notify")["summary"]
    (mid,) = ids_of(nworld, "rep1")
    assert mailbox.ids()[1:] == [mid] and [b["id"] for b in receiver.bodies()][1:] == [mid]
    assert "已投递 0 条" in run_job(nworld.svc, "notify")["summary"]  # once


def test_a_users_own_quiet_hours_replace_the_default(nworld, mailbox, receiver, clock):
    contacts(nworld, "rep1", "rep2")
    settings(nworld, "rep1", {"quiet_hours": "08:00-10:00"}, who="rep1")
    clock.set(local(2026, 11, 25, 9, 0))  # quiet for rep1 only
    nworld.problem_at("U01")
    nworld.problem_at("U02")
    run_job(nworld.svc, "notify")
    assert {m["To"] for m in mailbox.messages} == {"rep2@example.gov.cn"}
    clock.set(local(2026, 11, 25, 23, 0))  # the default's quiet time is not rep1's
    run_job(nworld.svc, "notify")
    assert [m["To"] for m in mailbox.messages] == ["rep2@example.gov.cn", "rep1@example.gov.cn"]


def test_a_daily_digest_gathers_the_days_messages_into_one(nworld, mailbox, receiver, clock):
    contacts(nworld, "rep1", "rep2")
    assert settings(nworld, "rep1", {"digest": "daily", "digest_time": "08:30"},
                    who="rep1")["digest"] == "daily"
    clock.set(local(2026, 11, 25, 9, 0))
    pids = [nworld.problem_at("U01") for _ in range(3)]
    nworld.problem_at("U02")
    run = run_job(nworld.svc, "notify")
    assert "已投递 2 条" in run["summary"] and "暂缓 6 条" in run["summary"]  # 3 × 2 channels
    assert [m["To"] for m in mailbox.messages] == ["rep2@example.gov.cn"]
    clock.set(local(2026, 11, 26, 8, 29))
    nworld.post(f"/problems/{pids[0]}/urge", {"note": "请加快"})  # before the digest time: in it
    run_job(nworld.svc, "notify")
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 1
    clock.set(local(2026, 11, 26, 8, 30))
    run = run_job(nworld.svc, "notify")
    assert "已投递 2 条（含日报 2 份）" in run["summary"], run["summary"]
    gathered = ids_of(nworld, "rep1")
    assert len(gathered) == 4
    mail = mailbox.messages[1]
    assert mail["Subject"] == "督办提醒日报（2026-11-26）" and mail["To"] == "rep1@example.gov.cn"
    assert mail["Message-ID"] == "<digest-2026-11-26-rep1@duban>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "共 4 条" in text and text.count("【交办】") == 3 and "【催办】" in text
    for pid in pids:
        assert f"/admin/problem-timeline/?id={pid}" in text
        assert f"/admin/problem-timeline/?id={pid}" in html
    assert html.count("<li>") == 4
    hook = receiver.bodies()[1]
    assert hook["id"] == "digest-2026-11-26-rep1" and hook["title"] == mail["Subject"]
    assert [i["id"] for i in hook["items"]] == gathered
    # each message delivered by the digest, on both channels, and never one by one
    with nworld.svc.engine.connect() as conn:
        d = notification_deliveries
        marks = conn.execute(select(d.c.status, d.c.digest_id, d.c.channel)
                             .where(d.c.message_id.in_(gathered))).all()
    assert sorted(marks) == sorted([("sent", "digest-2026-11-26-rep1", ch)
                                    for ch in ("email", "webhook") for _ in gathered])
    assert not set(gathered) & set(mailbox.ids()) and not set(gathered) & {
        b["id"] for b in receiver.bodies()}
    # after the digest time: the next day's digest
    clock.set(local(2026, 11, 26, 8, 31))
    nworld.post(f"/problems/{pids[1]}/urge", {"note": "再催"})
    assert "已投递 0 条" in run_job(nworld.svc, "notify")["summary"]
    clock.set(local(2026, 11, 27, 8, 30))
    run_job(nworld.svc, "notify")
    assert mailbox.messages[-1]["Subject"] == "督办提醒日报（2026-11-27）"
    assert receiver.bodies()[-1]["items"][0]["title"].startswith("【催办】")
    assert len(receiver.bodies()[-1]["items"]) == 1
    assert "已投递 0 条" in run_job(nworld.svc, "notify")["summary"]


def test_a_failing_digest_is_retried_then_failed_with_its_messages(nworld, receiver, clock):
    settings(nworld, "rep1", {"digest": "daily", "digest_time": "08:30"})
    clock.set(local(2026, 11, 25, 9, 0))
    nworld.problem_at("U01")
    nworld.problem_at("U01")
    s = NotifySettings.from_mapping({"WEBHOOK_URL": receiver.url, "NOTIFY_MAX_ATTEMPTS": "2",
                                     "NOTIFY_BACKOFF_SECONDS": "60",
                                     "NOTIFY_MAX_AGE_HOURS": "100000"})
    clock.set(local(2026, 11, 26, 8, 30))
    receiver.failing = 100
    assert deliver_due(nworld.svc.engine, s, clock)["retry"] == 1  # one digest, not two messages
    assert deliver_due(nworld.svc.engine, s, clock)["retry"] == 0  # not before its backoff
    clock.advance(seconds=61)
    assert deliver_due(nworld.svc.engine, s, clock)["failed"] == 1
    with nworld.svc.engine.connect() as conn:
        failed = failed_messages(conn)
    assert sorted(f.message_id for f in failed) == sorted(ids_of(nworld, "rep1"))
    assert all(f.last_error.startswith("日报 digest-2026-11-26-rep1：") for f in failed)
    clock.advance(hours=1)
    receiver.failing = 0
    assert deliver_due(nworld.svc.engine, s, clock)["sent"] == 0 and receiver.requests == []


def test_a_digest_cut_off_mid_send_goes_again_with_the_same_id(nworld, mailbox, receiver,
                                                               database_url, tmp_path):
    contacts(nworld, "rep1")
    # due at any hour of the real clock the scheduler process runs on
    settings(nworld, "rep1", {"digest": "daily", "digest_time": "00:00", "quiet_hours": "off"})
    for _ in range(3):
        nworld.problem_at("U01")
    gathered = ids_of(nworld, "rep1")
    mailbox.delay = 3  # the SMTP server holds the digest's DATA: the process dies meanwhile
    env = {**os.environ, "DATABASE_URL": database_url, "BLOB_DIR": str(tmp_path / "blobs"),
           "SCHEDULER_LOCK_LEASE": "2", **channel_config(mailbox, receiver)}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run-job", "notify"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while mailbox.started < 1 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    g, d = notification_digests, notification_deliveries
    with nworld.svc.engine.connect() as conn:
        (digest,) = conn.execute(select(g)).all()  # gathered before sending, then cut off
        held = conn.execute(select(d.c.message_id, d.c.status, d.c.digest_id)).all()
    assert (digest.channel, digest.status) == ("email", "pending")
    assert sorted(tuple(r) for r in held) == [(m, "digest", digest.id) for m in sorted(gathered)]
    mailbox.delay = 0
    for _ in range(20):  # the next run, once the dead run's lock has lapsed
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if "跳过" not in out.stdout:
            break
        time.sleep(0.5)
    assert out.returncode == 0, out.stdout + out.stderr
    # the one digest, perhaps twice (the dead run's copy) but with one id; nothing one by one
    assert set(mailbox.ids()) == {digest.id} and 1 <= len(mailbox.ids()) <= 2
    (hook,) = receiver.bodies()
    assert hook["id"] == digest.id and [i["id"] for i in hook["items"]] == gathered
    last = mailbox.messages[-1].get_body(("plain",)).get_content()
    assert "共 3 条" in last
    with nworld.svc.engine.connect() as conn:
        assert set(conn.execute(select(g.c.status)).scalars()) == {"sent"}
        assert {tuple(r) for r in conn.execute(select(d.c.status, d.c.digest_id))} == {
            ("sent", digest.id)}
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0 and len(mailbox.ids()) <= 2 and len(receiver.bodies()) == 1


def test_bad_settings_are_refused_and_nothing_changes(nworld):
    before = settings(nworld, "rep1", {"email": "li@example.gov.cn", "quiet_hours": "21:30-06:30"})
    head = nworld.svc.store.head()
    for body, field in [
        ({"quiet_hours": "22:00"}, "quiet_hours"),
        ({"quiet_hours": "24:00-07:00"}, "quiet_hours"),
        ({"quiet_hours": "22:00-22:00"}, "quiet_hours"),
        ({"quiet_hours": 2200}, "quiet_hours"),
        ({"digest": "weekly"}, "digest"),
        ({"digest": "daily", "digest_time": "8:30"}, "digest_time"),
        ({"digest_time": "08:60"}, "digest_time"),
        ({"digest": "daily", "digest_time": "23:00"}, "digest_time"),  # in its quiet hours
        ({"email": "x@example.gov.cn", "digest_time": "下午"}, "digest_time"),
    ]:
        r = nworld.client.post(f"{API}/users/rep1/contact", headers=nworld.h["rep1"], json=body)
        assert r.status_code == 400, body
        e = r.get_json()["error"]
        assert list(e["fields"]) == [field] and "请检查" in e["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e["fields"][field][0]), e
    got = nworld.client.get(f"{API}/users/rep1/contact", headers=nworld.h["rep1"]).get_json()
    assert got == before and nworld.svc.store.head() == head
    # back to the defaults, and none at all
    reset = settings(nworld, "rep1", {"quiet_hours": "", "digest_time": ""}, who="rep1")
    assert reset["quiet_hours"] is None and reset["default_quiet_hours"] == "22:00-07:00"
    assert settings(nworld, "rep1", {"quiet_hours": "OFF"})["quiet_hours"] == "off"
    get = nworld.client.get
    assert get(f"{API}/users/rep1/contact", headers=nworld.h["rep2"]).status_code == 403
    assert get(f"{API}/users/nobody/contact", headers=nworld.h["admin"]).status_code == 404


def test_the_settings_page(nworld):
    ui = UI(nworld.app.test_client())
    ui.login("rep1")
    inbox_page = ui.client.get("/admin/inbox/").text
    assert 'id="notify-settings"' in inbox_page
    page = ui.client.get("/admin/contact/").text
    assert "免打扰时段" in page and 'placeholder="22:00-07:00"' in page
    form = {**hidden_inputs(page), "email": "li@example.gov.cn", "phone": "", "digest": "daily",
            "quiet_hours": "23:00-06:00", "digest_time": "25:00"}
    r = ui.client.post("/admin/contact/", data=form)
    assert r.status_code == 400 and "日报时间格式应为 HH:MM" in r.text and 'value="25:00"' in r.text
    with nworld.svc.engine.connect() as conn:
        assert conn.execute(select(user_contacts)).first() is None  # nothing saved
    r = ui.client.post("/admin/contact/", data={**form, "digest_time": "07:45"})
    assert r.status_code == 302
    saved = nworld.client.get(f"{API}/users/rep1/contact", headers=nworld.h["rep1"]).get_json()
    assert (saved["digest"], saved["digest_time"], saved["quiet_hours"]) == ("daily", "07:45",
                                                                           "23:00-06:00")
    assert ui.client.get("/admin/contact/?user=rep2").status_code == 403
    admin = UI(nworld.app.test_client())
    admin.login("admin")
    assert "/admin/contact/?user=rep1" in admin.client.get("/admin/users/").text
    assert 'value="07:45"' in admin.client.get("/admin/contact/?user=rep1").text
