"""Running jobs: all or nothing, recorded in job_runs, one runner at a time across processes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, text

from app.bootstrap import bootstrap
from app.scheduler import UnknownJob, job_status, run_job
from app.scheduler import process, runner
from app.scheduler.context import JobContext
from app.scheduler.lock import claim_lease, job_lock, lock_key
from app.scheduler.tables import job_runs
from tests.conftest import make_user, token_for
from tests.scheduler.conftest import at, do, events_of, open_problem, project, runs, unit

ROOT = Path(__file__).resolve().parents[2]


def crash_on(monkeypatch, command: str) -> None:
    """Make the job's transaction fail once `command` has recorded its events."""
    original = JobContext.execute

    def execute(self, name, payload):
        result = original(self, name, payload)
        if name == command:
            raise RuntimeError(f"模拟故障：{name} 之后")
        return result
    monkeypatch.setattr(JobContext, "execute", execute)


# -- all or nothing -----------------------------------------------------------------------------
def test_crash_mid_job_records_nothing_and_is_retried(services, clock, run, monkeypatch):
    at(clock, "2019-06-01 10:00")
    unit(services, "U01", "城南镇")
    project(services, "XM01", "U01")
    first, second = open_problem(services, "2019-06-05"), open_problem(services, "2019-06-06")
    head = services.store.head()
    at(clock, "2019-06-10 00:30")
    calls = []
    original = JobContext.execute

    def flaky(self, name, payload):
        result = original(self, name, payload)  # the first problem's fact is appended ...
        calls.append(payload["id"])
        if len(calls) == 2:
            raise RuntimeError("模拟故障：第二个问题之后")  # ... and the second's, then it fails
        return result
    monkeypatch.setattr(JobContext, "execute", flaky)
    failed = run("overdue")
    assert calls == [first, second]
    assert failed["outcome"] == "failed" and failed["events"] == 0
    assert failed["error"] == "RuntimeError: 模拟故障：第二个问题之后"
    assert services.store.head() == head  # nothing half-recorded
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM proj_problems "
                                 "WHERE overdue_recorded IS NOT NULL")).scalar() == 0
    [status] = [s for s in job_status(services) if s["name"] == "overdue"]
    assert status["outcome"] == "failed" and "模拟故障" in status["error"]

    monkeypatch.undo()
    retried = run("overdue")  # the next run does the work
    assert retried["outcome"] == "ok" and retried["events"] == 2
    assert [r.outcome for r in runs(services, "overdue")] == ["failed", "ok"]
    assert runs(services, "overdue")[0].finished_at is not None


def test_crash_between_reminders_and_flag(services, clock, run, monkeypatch):
    at(clock, "2019-06-20 10:00")
    unit(services, "U01", "城南镇")
    project(services, "XM01", "U01")
    at(clock, "2019-07-12 08:30")
    run("reminders")  # reminded on the 12th; flagged from the 13th
    at(clock, "2019-07-13 08:30")
    project(services, "XM02", "U01", date="2019-06-01")  # registered late, backdated: not reminded
    do(services, "register_unit", code="U02", name="城北镇", kind="township", date="2019-06-01")
    project(services, "XM03", "U02", date="2019-06-01")
    head = services.store.head()
    crash_on(monkeypatch, "flag_missing_reports")
    assert run("reminders")["outcome"] == "failed"
    assert services.store.head() == head  # U02's reminder went with the failed flag
    monkeypatch.undo()
    assert run("reminders")["events"] == 2  # U02 reminded, U01 flagged
    assert [e.type for e in events_of(services, "ProgressReminderIssued", "MissingReportsFlagged")
            ] == ["ProgressReminderIssued", "ProgressReminderIssued", "MissingReportsFlagged"]


def test_file_failure_after_commit_keeps_the_fact(services, clock, run, monkeypatch, settings):
    at(clock, "2019-01-02 10:00")
    unit(services, "U01", "城南镇")
    project(services, "XM01", "U01")
    at(clock, "2019-07-15 09:00")

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")
    monkeypatch.setattr("app.scheduler.jobs.ensure_publicity_file", broken)
    result = run("publicity")
    assert result["outcome"] == "failed" and "磁盘已满" in result["error"]
    assert len(events_of(services, "FastSlowListPublished")) == 1
    monkeypatch.undo()
    assert run("publicity")["events"] == 0
    assert (Path(settings.instance_path) / "publicity" / "2019-06.xlsx").exists()


# -- status ---------------------------------------------------------------------------------------
def test_job_status(services, clock, run, settings):
    at(clock, "2026-11-02 09:00")
    status = {s["name"]: s for s in job_status(services, settings)}
    assert list(status) == ["overdue", "reminders", "publicity", "anchor"]
    assert status["overdue"]["schedule"] == "每日 00:30"
    assert status["overdue"]["next_run"] == "2026-11-03T00:30:00+08:00"
    assert status["overdue"]["next_run_source"] == "schedule"
    assert status["reminders"]["next_run"] == "2026-11-05T08:30:00+08:00"
    assert "5 日催报" in status["reminders"]["schedule"]
    assert status["anchor"]["last_run"] is None and status["anchor"]["outcome"] is None
    unit(services, "U01", "城南镇")
    run("anchor")
    anchor = {s["name"]: s for s in job_status(services, settings)}["anchor"]
    assert anchor["outcome"] == "ok" and anchor["events"] == 1 and anchor["error"] is None
    assert anchor["last_run"].startswith("2026-11-02T09:00") and not anchor["running"]
    with pytest.raises(UnknownJob):
        run_job(services, "backup", settings)


def test_jobs_api(app, client, clock):
    svc = app.extensions["duban"]
    for name, role in [("adm", "admin"), ("disp", "dispatcher"), ("lead", "leader")]:
        make_user(svc, name, role)
    body = client.get("/api/v1/jobs", headers=token_for(client, "disp")).get_json()
    assert [j["name"] for j in body] == ["overdue", "reminders", "publicity", "anchor"]
    assert client.get("/api/v1/jobs", headers=token_for(client, "adm")).status_code == 200
    assert client.get("/api/v1/jobs", headers=token_for(client, "lead")).status_code == 403
    assert client.get("/api/v1/jobs").status_code == 401
    # the web app never starts a scheduler: its job store was never created
    assert not inspect(svc.engine).has_table("apscheduler_jobs")


def test_cli(runner, app, clock, monkeypatch):
    svc = app.extensions["duban"]
    unit(svc, "U01", "城南镇")
    result = runner.invoke(args=["scheduler", "run-job", "anchor"])
    assert result.exit_code == 0 and "成功" in result.output and "新增事件 2 个" in result.output  # and its checkpoint
    crash_on(monkeypatch, "anchor_chain")
    clock.advance(days=1)
    result = runner.invoke(args=["scheduler", "run-job", "anchor"])
    assert result.exit_code == 1 and "模拟故障" in result.output
    result = runner.invoke(args=["scheduler", "status"])
    assert result.exit_code == 0 and "失败" in result.output
    assert runner.invoke(args=["scheduler", "run-job", "nope"]).exit_code == 2


# -- the scheduler process --------------------------------------------------------------------
def test_scheduler_registers_the_jobs(services, settings, clock, monkeypatch):
    scheduler = process.build_scheduler(settings, BackgroundScheduler)
    scheduler.start(paused=True)  # writes the jobs to the job store; fires nothing
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert set(jobs) == {"overdue", "reminders", "publicity", "anchor"}
        job = jobs["reminders"]
        assert job.coalesce and job.max_instances == 1
        assert str(job.trigger.timezone) == "Asia/Shanghai"
        assert str(job.trigger) == "cron[day='5-31', hour='8', minute='30']"
    finally:
        scheduler.shutdown()
    status = {s["name"]: s for s in job_status(services, settings)}
    assert status["anchor"]["next_run_source"] == "scheduler"
    assert status["anchor"]["next_run"].endswith("T23:50:00+08:00")

    # a firing missed while no scheduler ran is made up for as soon as one starts again
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE apscheduler_jobs SET next_run_time = 0 WHERE id = 'overdue'"))
    scheduler = process.build_scheduler(settings, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert jobs["overdue"].next_run_time <= datetime.now(timezone.utc)
        assert jobs["anchor"].next_run_time > datetime.now(timezone.utc)
    finally:
        scheduler.shutdown()

    # a firing runs the job through the same runner, marked as scheduled
    unit(services, "U01", "城南镇")
    monkeypatch.setattr(process, "_runtime", (services, settings))
    process.fire("anchor")
    assert runs(services, "anchor")[-1].trigger == "scheduled"
    assert len(events_of(services, "ChainAnchored")) == 1


# -- one runner at a time -------------------------------------------------------------------------
def other_process(services, clock):
    """Services of their own (engine, pool), as a second scheduler process would have."""
    return bootstrap(services.engine.url.render_as_string(hide_password=False), clock=clock)


def test_a_held_lock_skips_the_run(services, clock, run):
    unit(services, "U01", "城南镇")
    other = other_process(services, clock)
    try:
        with job_lock(other.engine, "anchor", "another-scheduler", clock, 600) as held:
            assert held
            skipped = run("anchor")
            assert run("overdue")["outcome"] == "ok"  # locks are per job
        assert skipped["outcome"] == "skipped" and "另一进程" in skipped["summary"]
        assert events_of(services, "ChainAnchored") == []
        assert run("anchor")["events"] == 1  # released: runs again
        anchor = {s["name"]: s for s in job_status(services)}["anchor"]
        assert anchor["outcome"] == "ok" and anchor["last_skipped"] is not None
    finally:
        other.engine.dispose()


def _wait_until_free(engine, key: int) -> None:
    """The server ends a dead client's session once it notices the socket closed: not at once."""
    deadline = time.monotonic() + 30
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        while not c.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            assert time.monotonic() < deadline, "the server kept the dead session's lock"
            time.sleep(0.02)
        c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def test_a_dead_runner_frees_the_lock(services, clock, run):
    unit(services, "U01", "城南镇")
    if services.engine.dialect.name == "postgresql":
        conn = services.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                            {"k": lock_key("anchor")}).scalar()
        assert run("anchor")["outcome"] == "skipped"
        conn.invalidate()  # the process dies: its session ends and the server drops the lock
        conn.close()
        _wait_until_free(services.engine, lock_key("anchor"))
    else:
        assert claim_lease(services.engine, "anchor", "dead-process", clock.now, 1800)
        assert run("anchor")["outcome"] == "skipped"
        clock.advance(seconds=1801)  # the lease of the dead process expires
    assert run("anchor")["events"] == 1
    with services.engine.begin() as conn:  # a run left "running" by a dead process ...
        conn.execute(job_runs.insert().values(job="anchor", trigger="scheduled", owner="dead",
                                              started_at="2026-11-25T00:00:00.000000Z",
                                              outcome="running", events=0))
    run("anchor")  # ... is marked interrupted by the next runner holding the lock
    assert [r.outcome for r in runs(services, "anchor")][-2:] == ["interrupted", "ok"]


def test_second_scheduler_skips_while_the_first_runs(services, clock, monkeypatch):
    """Deterministic: the first runner is held inside its run while the second one tries."""
    unit(services, "U01", "城南镇")
    inside, release = threading.Event(), threading.Event()
    original = runner._begin_run

    def begin_and_wait(svc, *args):
        run_id = original(svc, *args)
        if threading.current_thread().name == "first":
            inside.set()
            assert release.wait(30)
        return run_id
    monkeypatch.setattr(runner, "_begin_run", begin_and_wait)
    other = other_process(services, clock)
    results = {}
    first = threading.Thread(name="first", target=lambda: results.setdefault(
        "first", run_job(services, "anchor")))
    first.start()
    try:
        assert inside.wait(30)
        results["second"] = run_job(other, "anchor")
    finally:
        release.set()
        first.join(30)
        other.engine.dispose()
    assert results["second"]["outcome"] == "skipped"
    assert results["first"]["outcome"] == "ok" and results["first"]["events"] == 1
    assert len(events_of(services, "ChainAnchored")) == 1


def test_schedulers_racing_run_a_job_once(services, clock):
    unit(services, "U01", "城南镇")
    others = [other_process(services, clock) for _ in range(4)]
    barrier = threading.Barrier(len(others))
    outcomes: list = []

    def fire(svc):
        barrier.wait()
        outcomes.append(run_job(svc, "anchor"))
    threads = [threading.Thread(target=fire, args=(svc,)) for svc in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for svc in others:
        svc.engine.dispose()
    assert len(outcomes) == 4 and {o["outcome"] for o in outcomes} <= {"ok", "skipped"}
    assert sum(o["events"] for o in outcomes) == 1
    assert len(events_of(services, "ChainAnchored")) == 1


def test_run_job_in_another_process_respects_the_lock(services, clock, tmp_path):
    """`flask scheduler run-job` in a separate process while this one holds the job's lock."""
    unit(services, "U01", "城南镇")
    env = {**os.environ, "DATABASE_URL": services.engine.url.render_as_string(hide_password=False),
           "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem")}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run-job", "anchor"]
    # the subprocess reads the real clock: a lease long enough to cover it
    with job_lock(services.engine, "anchor", "this-test", clock, 10 * 365 * 86400) as held:
        assert held
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        assert "已跳过" in out.stdout
    assert events_of(services, "ChainAnchored") == []
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "新增事件 2 个" in out.stdout, out.stderr  # and its checkpoint
    assert len(events_of(services, "ChainAnchored")) == 1
