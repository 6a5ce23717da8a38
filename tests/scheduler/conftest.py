"""Helpers for the jobs' tests: a ledger built through the bus, a clock set in TZ_NAME."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.bootstrap import Services
from app.domain.actors import SYSTEM
from app.events.model import RecordedEvent
from app.scheduler import JobSettings, run_job, settings_for
from app.scheduler.tables import job_runs

TZ = ZoneInfo("Asia/Shanghai")


def at(clock, local: str) -> None:
    """Set the injected clock to a wall-clock time in Asia/Shanghai ('2019-07-05 08:30')."""
    clock.set(datetime.fromisoformat(local).replace(tzinfo=TZ).astimezone(timezone.utc))


def do(svc: Services, command: str, **payload) -> dict:
    return svc.bus.execute(command, payload, SYSTEM)


def events_of(svc: Services, *types: str) -> list[RecordedEvent]:
    return [e for e in svc.store.read_all() if not types or e.type in types]


def runs(svc: Services, job: str | None = None) -> list:
    q = select(job_runs).order_by(job_runs.c.id)
    if job:
        q = q.where(job_runs.c.job == job)
    with svc.engine.connect() as conn:
        return conn.execute(q).all()


@pytest.fixture
def settings(services, tmp_path) -> JobSettings:
    return JobSettings(database_url=services.engine.url.render_as_string(hide_password=False),
                       instance_path=str(tmp_path / "instance"))


@pytest.fixture
def app_run(app, tmp_path):
    """run_job with the app's settings (as the admin page would), files kept under tmp_path."""
    def _run(name: str) -> dict:
        with app.app_context():
            settings = replace(settings_for(), instance_path=str(tmp_path / "instance"))
            return run_job(app.extensions["duban"], name, settings)
    return _run


@pytest.fixture
def run(services, settings):
    """run("overdue") → the job_runs record of that run."""
    def _run(name: str, **overrides) -> dict:
        return run_job(services, name, replace(settings, **overrides))
    return _run


def unit(svc: Services, code: str, name: str, kind: str = "township") -> None:
    do(svc, "register_unit", code=code, name=name, kind=kind, date="2019-01-02")


def project(svc: Services, code: str, unit_code: str, stage: str = "continuing",
            name: str | None = None, date: str = "2019-01-02") -> None:
    do(svc, "register_project", code=code, name=name or f"{code} 项目", category="district",
       stage=stage, owner_unit=unit_code, responsible_unit=unit_code, total_investment=10000,
       date=date)


def plan(svc: Services, code: str, amount: float, year: int = 2019) -> None:
    do(svc, "set_annual_plan", code=code, year=year, planned_investment=amount, date="2019-01-02")


def progress(svc: Services, code: str, period: str, amount: float, **extra) -> None:
    do(svc, "submit_progress", code=code, period=period, month_investment=amount,
       image_progress="按计划推进", **extra)


def open_problem(svc: Services, deadline: str, unit_code: str = "U01") -> str:
    """A problem on XM01 dispatched at level 1 with a deadline (in progress)."""
    pid = do(svc, "raise_problem", category="funding", description="资金缺口未落实",
             source="unit_report", project="XM01")["id"]
    do(svc, "dispatch_problem", id=pid, level=1, decision="限期落实配套资金",
       responsible_unit=unit_code, deadline=deadline)
    return pid
