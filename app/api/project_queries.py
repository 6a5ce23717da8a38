"""The project ledger (重大项目台账): list, one project, its history (``app/views/projects``)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Row

from ..domain.vocab import PROJECT_CATEGORIES, PROJECT_STAGES, stream
from ..projections.projects import projects as project_table
from ..views import projects
from ..views.scope import Scope
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView

_YEAR = validate.Range(min=2000, max=2100)


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


def _project_json(row: Row, year: int, ytd: dict[str, float],
                  plans: dict[str, dict[str, float]]) -> dict[str, Any]:
    out = {c: getattr(row, c) for c in _LEDGER_COLUMNS}
    own_plans = plans.get(row.code, {})
    plan = own_plans.get(str(year))
    done = ytd.get(row.code, 0.0)
    out.update(year=year, planned_investment=plan, ytd_investment=done,
               plan_ratio=projects.plan_ratio(done, plan), annual_plans=own_plans)
    return out


def list_projects(view: QueryView, args: dict) -> Page:
    year = args["year"] or view.today.year
    q = projects.ledger(Scope(view.actor), args["category"], args["stage"], args["unit"],
                        args["leader"])

    def page(rows) -> list[dict]:
        # investment and plans read for this page's projects only: a page costs the same at any size
        codes = [r.code for r in rows]
        ytd = projects.ytd_investment(view.conn, year, codes=codes)
        plans = projects.plans_by_project(view.conn, codes)
        return [_project_json(r, year, ytd, plans) for r in rows]

    return Page(q, page, project_table.c.code)


def get_project(view: QueryView, args: dict) -> dict:
    year = args["year"] or view.today.year
    row = projects.one(view.conn, Scope(view.actor), args["code"])
    out = _project_json(row, year, projects.ytd_investment(view.conn, year, codes=[row.code]),
                        projects.plans_by_project(view.conn, [row.code]))
    out["progress"] = [{"period": p.period, "month_investment": p.month_investment,
                        "image_progress": p.image_progress, "submissions": p.submissions,
                        "reason": p.reason, "submitted_on": p.submitted_on,
                        "outlier": bool(p.outlier)}
                       for p in projects.progress(view.conn, row.code, year)]
    return out


def project_history(view: QueryView, args: dict) -> list[dict]:
    """Every event of the project in order, corrections and all (完整留痕)."""
    projects.one(view.conn, Scope(view.actor), args["code"])
    with view.events() as conn:
        evs = view.services.store.read_stream(stream("project", args["code"]), conn,
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
