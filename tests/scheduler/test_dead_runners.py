"""A runner that died: its lease is taken over at once, its run is shown dead, its firing runs again."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from app.events.store import utc_now
from app.scheduler import job_status, process
from app.scheduler.lock import claim_lease, job_lock, owner_alive
from app.scheduler.tables import job_runs
from tests.scheduler.conftest import runs, unit


def dead_owner() -> str:
    """The owner string of a runner on this host whose process has exited."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return f"{socket.gethostname()}:{int(child.stdout)}:1:deadbeef"


def running_row(services, owner: str) -> None:
    with services.engine.begin() as conn:
        conn.execute(job_runs.insert().values(job="anchor", trigger="scheduled", owner=owner,
                                              started_at="2026-11-25T00:00:00.000000Z",
                                              outcome="running", events=0))


def test_owner_alive():
    assert owner_alive(dead_owner()) is False
    import os
    assert owner_alive(f"{socket.gethostname()}:{os.getpid()}:1:x") is True
    assert owner_alive("elsewhere:1:1:x") is None
    assert owner_alive("another-scheduler") is None


def test_a_dead_runners_lease_on_this_host_is_taken_over_at_once(services, clock, run):
    if services.engine.dialect.name != "sqlite":
        return  # PostgreSQL's lock is the server's: it goes with the dead session
    unit(services, "U01", "城南镇")
    assert claim_lease(services.engine, "anchor", dead_owner(), clock.now, 24 * 3600)
    running_row(services, dead_owner())
    result = run("anchor")
    assert result["outcome"] == "ok" and result["events"] == 1
    assert [r.outcome for r in runs(services, "anchor")][-2:] == ["interrupted", "ok"]


def test_a_live_runner_keeps_its_lease_beyond_its_length(services):
    if services.engine.dialect.name != "sqlite":
        return
    with job_lock(services.engine, "anchor", "first", utc_now, 1) as held:
        assert held
        time.sleep(2.5)  # more than twice the lease: the heartbeat renewed it
        assert not claim_lease(services.engine, "anchor", "second", utc_now(), 1)
    assert claim_lease(services.engine, "anchor", "second", utc_now(), 1)


def test_status_tells_a_dead_run_from_a_live_one(services, clock):
    running_row(services, dead_owner())
    anchor = {s["name"]: s for s in job_status(services)}["anchor"]
    assert anchor["outcome"] == "dead" and not anchor["running"]
    assert "已中断" in anchor["outcome_name"]
    with job_lock(services.engine, "anchor", f"{socket.gethostname()}:{__import__('os').getpid()}:1:x",
                  clock, 600) as held:
        assert held
        anchor = {s["name"]: s for s in job_status(services)}["anchor"]
        assert anchor["outcome"] == "running" and anchor["running"]


def test_an_interrupted_firing_runs_again_when_the_scheduler_starts(services, settings, clock):
    scheduler = process.build_scheduler(settings, BackgroundScheduler)
    scheduler.start(paused=True)
    scheduler.shutdown()
    running_row(services, dead_owner())  # the scheduler died during the anchor's run
    scheduler = process.build_scheduler(settings, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert jobs["anchor"].next_run_time <= datetime.now(timezone.utc)
        assert jobs["publicity"].next_run_time > datetime.now(timezone.utc)
    finally:
        scheduler.shutdown()
