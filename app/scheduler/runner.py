"""Running a job (scheduled, from the CLI or the admin page's run-now) and the jobs' status.

A run: take the job's lock (lock.py) → record the start in job_runs → one unit of work on the
bus in which the job runs its commands as the system actor and its run is marked ok → commit.
Any failure rolls the whole unit back (no half-recorded work) and the run is marked failed with
its error.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, Engine, inspect, select, update

from ..bootstrap import Services
from ..commands.statements import finish_job_run
from ..domain.actors import SYSTEM
from ..events.model import format_instant, parse_instant
from .context import JobContext
from .jobs import JOBS, Job
from .lock import held_by_live_runner, job_lock, new_owner
from .settings import JobSettings, settings_for
from .tables import job_runs

log = logging.getLogger(__name__)

OUTCOMES = {"running": "运行中", "ok": "成功", "failed": "失败", "skipped": "已跳过",
            "interrupted": "中断",
            # not stored: a run still marked running whose runner no longer holds the lock
            "dead": "已中断（运行进程已退出）"}
ERROR_LIMIT = 4000


class UnknownJob(KeyError):
    pass


def get_job(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(f"没有名为“{name}”的任务（可选：{'、'.join(JOBS)}）。") from None


def run_job(services: Services, name: str, settings: JobSettings | None = None,
            trigger: str = "manual") -> dict:
    """Run one job now, under its lock; returns the job_runs record of this attempt."""
    job = get_job(name)
    settings = settings or settings_for()
    owner = new_owner()
    with job_lock(services.engine, name, owner, services.clock,
                  settings.lock_lease_seconds) as held:
        if not held:
            log.warning("job %s is being run elsewhere; skipped", name)
            run_id = _insert_run(services, name, trigger, owner, "skipped",
                                 summary="另一进程正在执行该任务，本次跳过。", finished=True)
            return _run_record(services, run_id)
        run_id = _begin_run(services, name, trigger, owner)
        _execute(services, job, settings, run_id)
    return _run_record(services, run_id)


def _execute(services: Services, job: Job, settings: JobSettings, run_id: int) -> None:
    jc = None
    try:
        with services.bus.unit_of_work(SYSTEM, correlation_id=f"job-run:{run_id}",
                                       extra={"job": job.name, "job_run": run_id}) as uow:
            now = services.clock()
            jc = JobContext(services, uow, settings, job.name, run_id,
                            now.astimezone(services.tz).date(), now)
            summary = job.run(jc)
            # Marked ok in the same transaction as its events: both or neither.
            finish_job_run(uow.tx, run_id, outcome="ok",
                           finished_at=format_instant(services.clock()), summary=summary,
                           events=jc.events)
    except Exception as exc:
        log.exception("job %s failed", job.name)
        _finish(services.engine, run_id, "failed", services.clock(), error=_describe(exc),
                summary="任务失败，本次未记录任何事件；下次运行时重试。")
        return
    if job.after_commit is not None:
        try:
            job.after_commit(jc)
        except Exception as exc:
            log.exception("job %s: after-commit step failed", job.name)
            _finish(services.engine, run_id, "failed", services.clock(), error=_describe(exc),
                    summary="事件已记录，但后续文件写入失败；下次运行时补写。")


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"[:ERROR_LIMIT]


def _insert_run(services: Services, name: str, trigger: str, owner: str, outcome: str,
                summary: str | None = None, finished: bool = False) -> int:
    started = format_instant(services.clock())
    with services.engine.begin() as conn:
        result = conn.execute(job_runs.insert().values(
            job=name, trigger=trigger, owner=owner, started_at=started, outcome=outcome,
            finished_at=started if finished else None, events=0, summary=summary))
        return int(result.inserted_primary_key[0])


def _begin_run(services: Services, name: str, trigger: str, owner: str) -> int:
    # Holding the lock, any run of this job still marked running belongs to a process that died.
    with services.engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.job == name,
                                            job_runs.c.outcome == "running").values(
            outcome="interrupted", error="运行该任务的进程已中断，未记录任何事件。",
            finished_at=format_instant(services.clock())))
    return _insert_run(services, name, trigger, owner, "running")


def _finish(engine: Engine, run_id: int, outcome: str, now: datetime, error: str | None,
            summary: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
            outcome=outcome, finished_at=format_instant(now), error=error, summary=summary))


# -- reading -------------------------------------------------------------------------------
def _instant(text: str | None, services: Services) -> str | None:
    return parse_instant(text).astimezone(services.tz).isoformat() if text else None


def _run_json(row: Any, services: Services) -> dict:
    return {"id": row.id, "job": row.job, "trigger": row.trigger, "owner": row.owner,
            "started_at": _instant(row.started_at, services),
            "finished_at": _instant(row.finished_at, services),
            "outcome": row.outcome, "outcome_name": OUTCOMES.get(row.outcome, row.outcome),
            "events": row.events, "summary": row.summary, "error": row.error}


def _run_record(services: Services, run_id: int) -> dict:
    with services.engine.connect() as conn:
        row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).first()
    return _run_json(row, services)


def recent_runs(services: Services, name: str | None = None, limit: int = 50) -> list[dict]:
    """The latest runs, newest first (for the admin page's history)."""
    q = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if name is not None:
        q = q.where(job_runs.c.job == name)
    with services.engine.connect() as conn:
        return [_run_json(r, services) for r in conn.execute(q)]


def _stored_next_runs(conn: Connection) -> dict[str, float | None] | None:
    """next_run_time per job as the scheduler process stored it (None: never started)."""
    if not inspect(conn).has_table("apscheduler_jobs"):
        return None
    rows = conn.exec_driver_sql("SELECT id, next_run_time FROM apscheduler_jobs").all()
    return {r[0]: r[1] for r in rows}


def _latest(conn: Connection, name: str, skipped: bool) -> Any:
    """The latest run that did (or tried to do) the work, or the latest one skipped."""
    skip = job_runs.c.outcome == "skipped"
    q = select(job_runs).where(job_runs.c.job == name, skip if skipped else ~skip)
    return conn.execute(q.order_by(job_runs.c.id.desc()).limit(1)).first()


def _cut_off(engine: Engine, last: Any, now: datetime) -> bool:
    """A job's latest attempt was cut off: marked interrupted, or running with no live runner.
    (Asked outside any open transaction: the lock is looked at on a connection of its own.)"""
    if last is None or last.outcome not in ("running", "interrupted"):
        return False
    return last.outcome == "interrupted" or not held_by_live_runner(engine, last.job, now)


def interrupted_jobs(engine: Engine, now: datetime) -> set[str]:
    """Jobs whose latest firing was cut off by a process that died: run again when a scheduler
    starts (every job is idempotent, and the lock keeps a live runner's job from starting twice)."""
    if not inspect(engine).has_table(job_runs.name):
        return set()
    with engine.connect() as conn:
        latest = [_latest(conn, name, skipped=False) for name in JOBS]
    return {last.job for last in latest if _cut_off(engine, last, now)}


def job_status(services: Services, settings: JobSettings | None = None) -> list[dict]:
    """Each job with its schedule, next run, last run, outcome and error (the admin page's list).

    next_run comes from the scheduler's job store when the scheduler process has registered the
    job (next_run_source "scheduler"), else from the schedule itself ("schedule").
    """
    settings = settings or settings_for()
    now = services.clock()
    out = []
    with services.engine.connect() as conn:
        stored = _stored_next_runs(conn)
        lasts = {name: _latest(conn, name, skipped=False) for name in JOBS}
    dead = {name for name, last in lasts.items()
            if last is not None and last.outcome == "running"
            and _cut_off(services.engine, last, now)}
    with services.engine.connect() as conn:
        for job in JOBS.values():
            if stored is not None and job.name in stored:
                ts = stored[job.name]
                next_run = (datetime.fromtimestamp(ts, services.tz).isoformat()
                            if ts is not None else None)
                source = "scheduler"
            else:
                trigger = CronTrigger(timezone=services.tz, **job.cron(settings))
                fire = trigger.get_next_fire_time(None, now.astimezone(services.tz))
                next_run, source = (fire.isoformat() if fire else None), "schedule"
            last = lasts[job.name]
            skipped = _latest(conn, job.name, skipped=True)
            outcome = "dead" if job.name in dead else last.outcome if last else None
            out.append({
                "name": job.name, "title": job.title, "schedule": job.describe(settings),
                "next_run": next_run, "next_run_source": source,
                "last_run": _instant(last.started_at, services) if last else None,
                "last_finished": _instant(last.finished_at, services) if last else None,
                "outcome": outcome,
                "outcome_name": OUTCOMES.get(outcome) if outcome else None,
                "summary": last.summary if last else None,
                "error": last.error if last else None,
                "events": last.events if last else 0,
                "running": outcome == "running",
                # a second scheduler started by mistake shows up here
                "last_skipped": _instant(skipped.started_at, services) if skipped else None,
            })
    return out
