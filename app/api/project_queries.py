"""The project ledger (重大项目台账): list, one project, its history.

The read functions taking a Connection (``ytd_investment``, ``annual_plan_amounts``,
``plan_ratio``) are shared with the reports; they work on live tables and as-of snapshots alike.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, Row, or_, select

from ..domain.actors import UNIT_REPORTER
from ..domain.errors import Forbidden, NotFound
from ..domain.vocab import PROJECT_CATEGORIES, PROJECT_STAGES, stream
from ..projections.projects import annual_plans, monthly_progress, projects, ytd_select
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView

_YEAR = validate.Range(min=2000, max=2100)


# -- shared read functions ---------------------------------------------------------
def ytd_investment(conn: Connection, year: int, through: str | None = None,
                   codes: Iterable[str] | None = None) -> dict[str, float]:
    """Completed investment per project in ``year`` (完成投资): the sum of each period's latest
    ``month_investment``, up to and including month ``through`` (YYYY-MM) when given.
    Projects without progress in that year are absent."""
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


def plan_ratio(completed: float, plan: float | None) -> float | None:
    """Completed over planned (占计划); None when there is no plan to compare with."""
    if not plan:
        return None
    ratio = completed / plan
    return ratio if math.isfinite(ratio) else None  # JSON has no Infinity


# -- arguments and answers -----------------------------------------------------------
class ProjectListArgs(AsOfArgs):
    category = fields.String(load_default=None, validate=validate.OneOf(list(PROJECT_CATEGORIES)))
    stage = fields.String(load_default=None, validate=validate.OneOf(list(PROJECT_STAGES)))
    unit = fields.String(load_default=None, metadata={"description": "业主单位或责任单位"})
    leader = fields.String(load_default=None)
    year = fields.Integer(load_default=None, validate=_YEAR,
                          metadata={"description": "计算完成投资与计划比例的年度（默认今年）"})


class ProjectArgs(AsOfArgs):
    code = fields.String(required=True)
    year = fields.Integer(load_default=None, validate=_YEAR)


class HistoryArgs(AsOfArgs):
    code = fields.String(required=True)


class ProgressOut(Schema):
    period = fields.String()
    month_investment = fields.Float()
    image_progress = fields.String()
    submissions = fields.Integer(metadata={"description": "1 + 更正次数"})
    reason = fields.String(allow_none=True)
    submitted_on = fields.String(allow_none=True)
    outlier = fields.Boolean(metadata={"description": "已确认的异常值（超过项目剩余投资）"})


class ProjectOut(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String()
    stage = fields.String()
    owner_unit = fields.String()
    responsible_unit = fields.String()
    leader = fields.String(allow_none=True)
    total_investment = fields.Float()
    planned_start = fields.String(allow_none=True)
    registered_on = fields.String(allow_none=True)
    stats_entry_on = fields.String(allow_none=True)
    last_period = fields.String(allow_none=True)
    outliers = fields.Integer(metadata={
        "description": "最新填报为已确认异常值（超过项目剩余投资）的月份数"})
    version = fields.Integer()
    year = fields.Integer()
    planned_investment = fields.Float(allow_none=True, metadata={"description": "该年度计划投资"})
    ytd_investment = fields.Float(metadata={"description": "该年度完成投资（万元）"})
    plan_ratio = fields.Float(allow_none=True, metadata={"description": "完成投资 / 年度计划"})
    annual_plans = fields.Dict(keys=fields.String(), values=fields.Float())


class ProjectDetailOut(ProjectOut):
    progress = fields.List(fields.Nested(ProgressOut), metadata={"description": "该年度各月进度"})


# -- queries ---------------------------------------------------------------------
_LEDGER_COLUMNS = ("code", "name", "category", "stage", "owner_unit", "responsible_unit", "leader",
                   "total_investment", "planned_start", "registered_on", "stats_entry_on",
                   "last_period", "outliers", "version")


def _plans_by_project(conn: Connection, codes: list[str] | None) -> dict[str, dict[str, float]]:
    q = select(annual_plans).order_by(annual_plans.c.year)
    if codes is not None:
        q = q.where(annual_plans.c.project.in_(codes))
    out: dict[str, dict[str, float]] = {}
    for r in conn.execute(q):
        out.setdefault(r.project, {})[str(r.year)] = r.planned_investment
    return out


def _project_json(row: Row, year: int, ytd: dict[str, float],
                  plans: dict[str, dict[str, float]]) -> dict[str, Any]:
    out = {c: getattr(row, c) for c in _LEDGER_COLUMNS}
    own_plans = plans.get(row.code, {})
    plan = own_plans.get(str(year))
    done = ytd.get(row.code, 0.0)
    out.update(year=year, planned_investment=plan, ytd_investment=done,
               plan_ratio=plan_ratio(done, plan), annual_plans=own_plans)
    return out


def _may_read(view: QueryView, row: Row) -> bool:
    actor = view.actor
    return actor.role != UNIT_REPORTER or actor.unit in (row.owner_unit, row.responsible_unit)


def _one(view: QueryView, code: str) -> Row:
    row = view.conn.execute(select(projects).where(projects.c.code == code)).first()
    if row is None:
        raise NotFound(f"项目“{code}”不存在。")
    if not _may_read(view, row):
        raise Forbidden(f"项目“{code}”不属于您所在单位，无权查看。")
    return row


def list_projects(view: QueryView, args: dict) -> Page:
    year = args["year"] or view.today.year
    q = select(projects).order_by(projects.c.code)
    for name in ("category", "stage", "leader"):
        if args[name] is not None:
            q = q.where(projects.c[name] == args[name])
    units = [u for u in (args["unit"], view.actor.unit if view.actor.role == UNIT_REPORTER else None)
             if u is not None]
    for unit in units:  # a reporter's own unit narrows whatever else was asked
        q = q.where(or_(projects.c.owner_unit == unit, projects.c.responsible_unit == unit))

    def page(rows) -> list[dict]:
        # investment and plans read for this page's projects only: a page costs the same at any size
        codes = [r.code for r in rows]
        ytd = ytd_investment(view.conn, year, codes=codes)
        plans = _plans_by_project(view.conn, codes)
        return [_project_json(r, year, ytd, plans) for r in rows]

    return Page(q, page, projects.c.code)


def get_project(view: QueryView, args: dict) -> dict:
    year = args["year"] or view.today.year
    row = _one(view, args["code"])
    out = _project_json(row, year, ytd_investment(view.conn, year, codes=[row.code]),
                        _plans_by_project(view.conn, [row.code]))
    q = (select(monthly_progress)
         .where(monthly_progress.c.project == row.code, monthly_progress.c.year == year)
         .order_by(monthly_progress.c.period))
    out["progress"] = [{"period": p.period, "month_investment": p.month_investment,
                        "image_progress": p.image_progress, "submissions": p.submissions,
                        "reason": p.reason, "submitted_on": p.submitted_on,
                        "outlier": bool(p.outlier)}
                       for p in view.conn.execute(q)]
    return out


def project_history(view: QueryView, args: dict) -> list[dict]:
    """Every event of the project in order, corrections and all (完整留痕)."""
    _one(view, args["code"])
    evs = view.services.store.read_stream(stream("project", args["code"]),
                                          until_position=view.position)
    return [event_json(e) for e in evs]


_TAGS = ("重大项目",)
QUERIES = [
    QuerySpec("/projects", list_projects, ProjectListArgs, "重大项目台账", ProjectOut(many=True),
              tags=_TAGS),
    QuerySpec("/projects/{code}", get_project, ProjectArgs, "重大项目详情（含该年度各月进度）",
              ProjectDetailOut, tags=_TAGS),
    QuerySpec("/projects/{code}/history", project_history, HistoryArgs, "重大项目事件历史",
              EventOut(many=True), tags=_TAGS),
]
