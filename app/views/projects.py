"""The project ledger (重大项目台账): which projects a reader sees, their plans, year-to-date
investment and its ratio to the plan, and the month's progress.

The year-to-date investment of a project (完成投资) is the sum of each period's latest
``month_investment`` in that year (API.md); every reader takes it from here.
"""
from __future__ import annotations

import math
from typing import Iterable

from sqlalchemy import Connection, Row, Select, and_, case, func, or_, select

from ..domain.errors import Forbidden, NotFound
from ..projections.projects import annual_plans, monthly_progress, projects, ytd_select
from ..projections.units import units
from .scope import Scope

RESERVE = "reserve"
# Stages whose projects report monthly progress (储备 and 竣工 do not).
REPORTING_STAGES = ("preliminary", "planned_new", "new_start", "continuing")


def ytd_investment(conn: Connection, year: int, through: str | None = None,
                   codes: Iterable[str] | None = None) -> dict[str, float]:
    """Completed investment per project in ``year``, up to and including month ``through``
    (YYYY-MM) when given. Projects without progress in that year are absent."""
    q = ytd_select(year, through)
    if codes is not None:
        q = q.where(monthly_progress.c.project.in_(list(codes)))
    return {code: round(total or 0.0, 4) for code, total in conn.execute(q)}


def annual_plan_amounts(conn: Connection, year: int,
                        codes: Iterable[str] | None = None) -> dict[str, float]:
    """Planned investment per project for ``year`` (年度计划投资); projects without a plan are absent."""
    q = (select(annual_plans.c.project, annual_plans.c.planned_investment)
         .where(annual_plans.c.year == year))
    if codes is not None:
        q = q.where(annual_plans.c.project.in_(list(codes)))
    return {code: amount for code, amount in conn.execute(q)}


def plans_by_project(conn: Connection, codes: list[str] | None) -> dict[str, dict[str, float]]:
    """Every year's plan of each project: ``{code: {"2026": amount}}``."""
    q = select(annual_plans).order_by(annual_plans.c.year)
    if codes is not None:
        q = q.where(annual_plans.c.project.in_(codes))
    out: dict[str, dict[str, float]] = {}
    for r in conn.execute(q):
        out.setdefault(r.project, {})[str(r.year)] = r.planned_investment
    return out


def plan_ratio(completed: float, plan: float | None) -> float | None:
    """Completed over planned (占计划); None when there is no plan to compare with."""
    if not plan:
        return None
    ratio = completed / plan
    return ratio if math.isfinite(ratio) else None  # JSON has no Infinity


def visible(scope: Scope):
    p = projects
    return scope.projects(p.c.owner_unit, p.c.responsible_unit, p.c.leader)


def ledger(scope: Scope, category: str | None = None, stage: str | None = None,
           unit: str | None = None, leader: str | None = None) -> Select:
    """The projects the reader may see (the table's columns), in code order."""
    p = projects
    q = select(p).where(visible(scope)).order_by(p.c.code)
    for column, value in (("category", category), ("stage", stage), ("leader", leader)):
        if value is not None:
            q = q.where(p.c[column] == value)
    if unit is not None:
        q = q.where(or_(p.c.owner_unit == unit, p.c.responsible_unit == unit))
    return q


def one(conn: Connection, scope: Scope, code: str) -> Row:
    row = conn.execute(select(projects).where(projects.c.code == code)).first()
    if row is None:
        raise NotFound(f"项目“{code}”不存在。")
    if not scope.may_read_project(row):
        raise Forbidden(f"项目“{code}”不属于您所在单位，无权查看。")
    return row


def progress(conn: Connection, code: str, year: int) -> list[Row]:
    """A project's monthly progress of ``year``, by period (the latest submission of each)."""
    q = (select(monthly_progress)
         .where(monthly_progress.c.project == code, monthly_progress.c.year == year)
         .order_by(monthly_progress.c.period))
    return list(conn.execute(q))


def month_progress(conn: Connection, month: str) -> dict[str, Row]:
    """Every project's progress of one month."""
    return {r.project: r for r in conn.execute(
        select(monthly_progress).where(monthly_progress.c.period == month))}


def major(scope: Scope) -> Select:
    """The major projects the reader may see: every one not in the reserve."""
    return select(projects).where(visible(scope), projects.c.stage != RESERVE)


def reserve(scope: Scope) -> Select:
    """The reserve (储备项目库) the reader may see, in code order."""
    return (select(projects).where(visible(scope), projects.c.stage == RESERVE)
            .order_by(projects.c.code))


def entered(scope: Scope) -> Select:
    """The projects in the statistics database (入库), in the order of their entry."""
    return (select(projects).where(visible(scope), projects.c.stats_entry_on.is_not(None))
            .order_by(projects.c.stats_entry_on, projects.c.code))


def rows_with_figures(year: int, period: str) -> Select:
    """The ledger for a year with names joined in: plan, year-to-date, ratio, and whether
    ``period`` is reported (the staff pages' source)."""
    p = projects
    owner, resp = units.alias("owner"), units.alias("resp")
    ytd = ytd_select(year).subquery("ytd")
    plan = (select(annual_plans.c.project, annual_plans.c.planned_investment)
            .where(annual_plans.c.year == year).subquery("plan"))
    done = func.coalesce(ytd.c.ytd, 0.0)
    missing = case((and_(p.c.stage.in_(REPORTING_STAGES),
                         or_(p.c.last_period.is_(None), p.c.last_period < period)), 1), else_=0)
    return (select(
        p.c.code, p.c.name, p.c.category, p.c.stage, p.c.owner_unit,
        owner.c.name.label("owner_unit_name"), p.c.responsible_unit,
        resp.c.name.label("responsible_unit_name"), p.c.leader, p.c.total_investment,
        plan.c.planned_investment.label("plan"), done.label("ytd"),
        case((plan.c.planned_investment > 0, done / plan.c.planned_investment),
             else_=None).label("plan_ratio"),
        p.c.planned_start, p.c.registered_on, p.c.stats_entry_on, p.c.last_period,
        missing.label("missing_progress"), p.c.outliers, p.c.version)
        .select_from(p.outerjoin(owner, owner.c.code == p.c.owner_unit)
                     .outerjoin(resp, resp.c.code == p.c.responsible_unit)
                     .outerjoin(ytd, ytd.c.project == p.c.code)
                     .outerjoin(plan, plan.c.project == p.c.code)))


def plan_progress(conn: Connection, period: str) -> list[dict]:
    """Each major project with a plan for the period's year: plan and investment through the
    period (what the fast/slow list ranks, in its preview and when it is published)."""
    year = int(period[:4])
    ytd = ytd_select(year, period).subquery()
    q = (select(projects.c.code, projects.c.name, projects.c.responsible_unit,
                annual_plans.c.planned_investment, ytd.c.ytd)
         .join(annual_plans, (annual_plans.c.project == projects.c.code)
               & (annual_plans.c.year == year))
         .outerjoin(ytd, ytd.c.project == projects.c.code)
         .where(projects.c.stage != RESERVE, annual_plans.c.planned_investment > 0)
         .order_by(projects.c.code))
    return [{"project": r[0], "name": r[1], "unit": r[2], "plan": float(r[3]),
             "ytd": float(r[4] or 0)} for r in conn.execute(q)]
