"""The scheduler process: `flask --app wsgi scheduler run`. Never started inside the web app.

APScheduler keeps the jobs in the app's database (SQLAlchemyJobStore, table apscheduler_jobs),
fires them on cron triggers in TZ_NAME, coalesces missed firings into one and never runs two
instances of a job at once in this process. Across processes the job lock (lock.py) and the
jobs' idempotency keep a second scheduler started by mistake from running a job twice.
"""
from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, inspect, text

from ..bootstrap import Services
from ..db import make_engine
from .jobs import JOBS
from .runner import interrupted_jobs, run_job
from .settings import JobSettings

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"

# The services of this scheduler process. APScheduler persists a job as a textual reference to a
# module-level function plus picklable arguments; the services (engine, registries) cannot be
# pickled, so the one process that runs the scheduler sets them here before it starts.
_runtime: tuple[Services, JobSettings] | None = None


def fire(name: str) -> None:
    """What a cron firing calls (by reference "app.scheduler.process:fire")."""
    if _runtime is None:
        raise RuntimeError("the scheduler's services are not set: start it with run_scheduler()")
    services, settings = _runtime
    result = run_job(services, name, settings, trigger="scheduled")
    log.info("job %s: %s %s", name, result["outcome"], result["error"] or result["summary"] or "")


def _forget_removed_jobs(engine: Engine) -> None:
    """Drop stored jobs that no longer exist in JOBS (a renamed or retired job)."""
    if not inspect(engine).has_table(JOBSTORE_TABLE):
        return
    names = ", ".join(f"'{n}'" for n in JOBS)  # fixed identifiers, not user input
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {JOBSTORE_TABLE} WHERE id NOT IN ({names})"))


def _missed_while_down(engine: Engine) -> set[str]:
    """Jobs whose stored next run passed while no scheduler was running."""
    if not inspect(engine).has_table(JOBSTORE_TABLE):
        return set()
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id FROM {JOBSTORE_TABLE} WHERE next_run_time < :now"),
                            {"now": time.time()}).all()
    return {r[0] for r in rows}


def build_scheduler(settings: JobSettings, scheduler_class: type[BaseScheduler] = BlockingScheduler,
                    engine: Engine | None = None) -> BaseScheduler:
    """A scheduler with every job registered (replacing stored ones, so changed config applies)."""
    tz = ZoneInfo(settings.tz_name)
    engine = engine or make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        # Every job store transaction starts with BEGIN IMMEDIATE: a deferred one that reads
        # and then writes (creating the table, when two schedulers start together) fails at
        # once with "database is locked" instead of waiting its turn.
        engine = engine.execution_options(duban_write=True)
    _forget_removed_jobs(engine)
    # Re-adding a job replaces its stored next run with the next cron time; a firing missed
    # while the scheduler was down would be lost, so such a job runs once right away instead.
    missed = _missed_while_down(engine)
    # A firing cut off by a process that died (killed, the machine restarted) runs again now.
    missed |= interrupted_jobs(engine, datetime.now(tz))
    scheduler = scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      # a firing missed while the scheduler was down still runs when it is back:
                      # the jobs catch up on what is due and append nothing already recorded
                      "misfire_grace_time": None},
        timezone=tz)
    for job in JOBS.values():
        extra = {"next_run_time": datetime.now(tz)} if job.name in missed else {}
        scheduler.add_job("app.scheduler.process:fire", CronTrigger(timezone=tz, **job.cron(settings)),
                          args=[job.name], id=job.name, name=job.title, replace_existing=True,
                          **extra)
    return scheduler


def run_scheduler(services: Services, settings: JobSettings) -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C."""
    global _runtime
    _runtime = (services, settings)
    scheduler = build_scheduler(settings, BlockingScheduler)

    def stop(signum, _frame):
        # No new firings; a job already running finishes its transaction (the interpreter
        # joins the executor's threads before it exits).
        log.info("signal %s: stopping the scheduler", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()  # blocks
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        _runtime = None
