"""The half-year figures (上半年工作总结的各项数字) of API.md's ``GET /reports/summary``.

Each figure is a plain function of a Connection and a :class:`Period`, reading only the
projection tables, so the same code answers live and as of a past instant (a snapshot
database). Business dates are ISO strings in those tables: comparing them as text orders
them as days, which keeps every filter a portable SQL comparison.
"""
from __future__ import annotations

import calendar
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Connection, case, func, select

from ..projections.oversight import bulletins, inspections, meetings
from ..projections.problems import problem_dispatches, problem_verifications
from ..projections.projects import (annual_plans, monthly_progress, project_leaders,
                                    project_stages, projects)
from ..projections.units import unit_tasks

CATEGORIES = ("provincial", "municipal", "district", "key_push")
RESERVE, PLANNED_NEW, NEW_START = "reserve", "planned_new", "new_start"


@dataclass(frozen=True)
class Period:
    """From Y-01-01 to the last day of month ``through`` of year Y."""

    year: int
    through: int  # 1..12

    def __post_init__(self) -> None:
        if not 1 <= self.through <= 12:
            raise ValueError(f"through month out of range: {self.through}")

    @property
    def start(self) -> str:
        return f"{self.year:04d}-01-01"

    @property
    def end(self) -> str:
        last = calendar.monthrange(self.year, self.through)[1]
        return f"{self.year:04d}-{self.through:02d}-{last:02d}"

    @property
    def first_month(self) -> str:
        return f"{self.year:04d}-01"

    @property
    def last_month(self) -> str:
        return f"{self.year:04d}-{self.through:02d}"


def money(x: float) -> float:
    return round(x, 2)


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


# -- projects and their stages -------------------------------------------------

def stage_histories(conn: Connection, end: str) -> dict[str, list[tuple[str, str]]]:
    """Each project's stages entered on or before ``end``, in business order: [(date, stage)].

    Ordered by date first, then by recording order: history entered after the fact still
    lands where it happened.
    """
    rows = conn.execute(
        select(project_stages.c.project, project_stages.c.seq, project_stages.c.stage,
               project_stages.c.on_date)
        .where(project_stages.c.on_date <= end)
    ).all()
    out: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for r in rows:
        out[r.project].append((r.on_date, r.seq, r.stage))
    return {p: [(d, s) for d, _, s in sorted(h)] for p, h in out.items()}


def stages_at(conn: Connection, end: str) -> dict[str, str]:
    """The stage each project was in at the end of a day; projects not yet registered are absent."""
    return {p: h[-1][1] for p, h in stage_histories(conn, end).items()}


def major_projects(stages: dict[str, str]) -> set[str]:
    """Major projects (重大项目): every registered project not in the reserve (储备)."""
    return {p for p, s in stages.items() if s != RESERVE}


def project_figures(conn: Connection, period: Period, stages: dict[str, str]) -> dict[str, Any]:
    """Leader coverage (县级领导挂联): major projects and those with a leader at the period end."""
    major = major_projects(stages)
    led = set(conn.execute(select(project_leaders.c.project).distinct()
                           .where(project_leaders.c.on_date <= period.end)).scalars())
    with_leader = len(major & led)
    return {"major": len(major), "with_leader": with_leader,
            "leader_coverage": ratio(with_leader, len(major))}


# -- investment ------------------------------------------------------------------

def completed_by_project(conn: Connection, period: Period) -> dict[str, float]:
    """Year-to-date investment (完成投资) per project: its latest month figures, Y-01..through.

    proj_monthly_progress keeps only the latest submission per month, so a correction has
    already superseded what it corrects.
    """
    rows = conn.execute(
        select(monthly_progress.c.project, monthly_progress.c.month_investment)
        .where(monthly_progress.c.year == period.year)
        .where(monthly_progress.c.period >= period.first_month)
        .where(monthly_progress.c.period <= period.last_month)
    ).all()
    parts: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        parts[r.project].append(r.month_investment)
    return {p: math.fsum(v) for p, v in parts.items()}


def investment_figures(conn: Connection, period: Period, major: set[str],
                       completed: dict[str, float]) -> dict[str, Any]:
    """Plan and completion over major projects with an annual plan for the year."""
    plans = {r.project: r.planned_investment for r in conn.execute(
        select(annual_plans.c.project, annual_plans.c.planned_investment)
        .where(annual_plans.c.year == period.year))
        if r.project in major}
    category = dict(conn.execute(select(projects.c.code, projects.c.category)).all())
    by_cat: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in CATEGORIES}
    for code, plan in plans.items():
        cat = by_cat.get(category.get(code, ""))
        if cat is not None:
            cat[0].append(plan)
            cat[1].append(completed.get(code, 0.0))
    plan_total = math.fsum(plans.values())
    done_total = math.fsum(completed.get(code, 0.0) for code in plans)
    return {
        "plan": money(plan_total), "completed": money(done_total),
        "ratio": ratio(done_total, plan_total),
        "by_category": {c: {"plan": money(math.fsum(p)), "completed": money(math.fsum(d)),
                            "ratio": ratio(math.fsum(d), math.fsum(p))}
                        for c, (p, d) in by_cat.items()},
    }


# -- new starts ------------------------------------------------------------------

def new_start_figures(period: Period, histories: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """Planned new starts (计划新开工) of the year and how many started (开工率)."""
    planned = started = 0
    for history in histories.values():
        was_planned = False
        for i, (day, stage) in enumerate(history):
            if stage != PLANNED_NEW:
                continue
            left = history[i + 1][0] if i + 1 < len(history) else None
            if left is None or left >= period.start:  # still planned_new on some day of Y
                was_planned = True
                break
        if not was_planned:
            continue
        planned += 1
        # started: moved from a planned_new entry to new_start within the period
        seen_planned = False
        for day, stage in history:
            if stage == PLANNED_NEW:
                seen_planned = True
            elif stage == NEW_START and seen_planned and day >= period.start:
                started += 1
                break
    return {"planned": planned, "started": started, "rate": ratio(started, planned)}


# -- dispatch, statistics entry, oversight -----------------------------------------

def _in_period(column, period: Period):
    return column.between(period.start, period.end)


def dispatch_figures(conn: Connection, period: Period) -> dict[str, Any]:
    """Three-level dispatch (三级调度): meetings, problems and problem projects, resolved problems."""
    n_meetings = conn.execute(select(func.count()).select_from(meetings)
                              .where(_in_period(meetings.c.on_date, period))).scalar() or 0
    # counted in SQL: a period of a large ledger holds hundreds of thousands of decisions
    d = problem_dispatches
    n_problems, n_projects = conn.execute(
        select(func.count(d.c.problem.distinct()),
               # a project code that is NULL or empty does not count as a project
               func.count(case((d.c.project != "", d.c.project)).distinct()))
        .where(_in_period(d.c.on_date, period))).one()
    # A verification counts only if the problem was not reopened after it (reopened_on unset).
    n_resolved = conn.execute(
        select(func.count(problem_verifications.c.problem.distinct()))
        .where(_in_period(problem_verifications.c.verified_on, period))
        .where(problem_verifications.c.reopened_on.is_(None))).scalar() or 0
    return {"meetings": n_meetings, "problems_dispatched": n_problems or 0,
            "problem_projects": n_projects or 0, "problems_resolved": n_resolved}


def stats_entry_figures(conn: Connection, period: Period) -> dict[str, Any]:
    """New entries into the investment statistics database (新入库项目)."""
    n = conn.execute(select(func.count()).select_from(projects)
                     .where(_in_period(projects.c.stats_entry_on, period))).scalar() or 0
    return {"new_entries": n}


def oversight_figures(conn: Connection, period: Period) -> dict[str, Any]:
    """Inspections held (督查) and bulletins issued (督查通报)."""
    n_insp = conn.execute(select(func.count()).select_from(inspections)
                          .where(_in_period(inspections.c.on_date, period))).scalar() or 0
    n_bull = conn.execute(select(func.count()).select_from(bulletins)
                          .where(_in_period(bulletins.c.on_date, period))).scalar() or 0
    return {"count": n_insp, "bulletins": n_bull}


# -- double over half ------------------------------------------------------------

@dataclass(frozen=True)
class UnitStanding:
    """Double-over-half (双过半) standing of one unit with an investment task."""

    unit: str
    task: float
    due: float  # task × months elapsed / 12
    completed: float

    @property
    def behind(self) -> bool:
        # Compared at 4 decimals (finer than the 2 shown), so float noise in a sum of
        # monthly figures cannot put a unit that is exactly at the threshold behind it.
        return round(self.completed, 4) < round(self.due, 4)


def unit_standings(conn: Connection, period: Period,
                   completed: dict[str, float] | None = None) -> list[UnitStanding]:
    """Every unit with a task for the year, against the projects it is responsible for.

    All of them, whatever their stage: the task is the unit's, and only months of the year up
    to ``through`` with reported investment add anything.
    """
    if completed is None:
        completed = completed_by_project(conn, period)
    per_unit: dict[str, list[float]] = defaultdict(list)
    for code, unit in conn.execute(select(projects.c.code, projects.c.responsible_unit)):
        if code in completed:
            per_unit[unit].append(completed[code])
    out = []
    for r in conn.execute(select(unit_tasks.c.unit, unit_tasks.c.amount)
                          .where(unit_tasks.c.year == period.year).order_by(unit_tasks.c.unit)):
        out.append(UnitStanding(r.unit, r.amount, r.amount * period.through / 12,
                                math.fsum(per_unit.get(r.unit, ()))))
    return out


def double_half_figures(standings: Iterable[UnitStanding]) -> dict[str, Any]:
    standings = list(standings)
    behind = sum(1 for s in standings if s.behind)
    return {"units_with_task": len(standings), "units_behind": behind,
            "behind_ratio": ratio(behind, len(standings))}


# -- reserve and the whole ---------------------------------------------------------

def reserve_figures(conn: Connection, stages: dict[str, str]) -> dict[str, Any]:
    """The project reserve (项目储备库) at the period end: count and planned total investment."""
    codes = {p for p, s in stages.items() if s == RESERVE}
    total = math.fsum(r.total_investment for r in conn.execute(
        select(projects.c.code, projects.c.total_investment)) if r.code in codes)
    return {"count": len(codes), "total_investment": money(total)}


def summary(conn: Connection, year: int, through: int) -> dict[str, Any]:
    """All figures of GET /reports/summary for business dates Y-01-01 .. end of month ``through``."""
    period = Period(year, through)
    histories = stage_histories(conn, period.end)
    stages = {p: h[-1][1] for p, h in histories.items()}
    completed = completed_by_project(conn, period)
    return {
        "projects": project_figures(conn, period, stages),
        "investment": investment_figures(conn, period, major_projects(stages), completed),
        "new_starts": new_start_figures(period, histories),
        "dispatch": dispatch_figures(conn, period),
        "stats_entry": stats_entry_figures(conn, period),
        "double_half": double_half_figures(unit_standings(conn, period, completed)),
        "reserve": reserve_figures(conn, stages),
        "inspections": oversight_figures(conn, period),
    }
