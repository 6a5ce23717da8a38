"""The problem ledger (问题台账), a problem's history, meetings, inspections, bulletins,
rectification tracking (整改跟踪) and dispatch statistics (调度统计)."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate
from sqlalchemy import Integer

from ..domain.vocab import INSPECTION_KINDS, LEVELS, PROBLEM_STATUSES, stream
from ..projections.problems import problems
from ..views import dispatch, oversight
from ..views import problems as problem_views
from ..views.scope import Scope
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView
from .report_queries import SummaryArgs, period_of


class LedgerArgs(AsOfArgs):
    status = fields.String(validate=validate.OneOf(list(PROBLEM_STATUSES)))
    level = fields.Integer(validate=validate.OneOf(list(LEVELS)))
    unit = fields.String(metadata={"description": "当前负责单位（已调度为责任单位，未调度为提出单位）"})
    project = fields.String()
    overdue = fields.Boolean(metadata={"description": "true：只看逾期未办结的问题"})


class ProblemArgs(AsOfArgs):
    id = fields.String(required=True)


class MeetingArgs(AsOfArgs):
    level = fields.Integer(validate=validate.OneOf(list(LEVELS)))


class InspectionArgs(AsOfArgs):
    kind = fields.String(validate=validate.OneOf(list(INSPECTION_KINDS)))


# -- answers (for the OpenAPI document) ---------------------------------------------
def _column_field(column) -> fields.Field:
    return fields.Integer(allow_none=True) if isinstance(column.type, Integer) \
        else fields.String(allow_none=True)


# A ledger row as it is stored, plus what is computed at reading time.
ProblemOut = Schema.from_dict({
    **{c.name: _column_field(c) for c in problems.columns},
    "status_name": fields.String(), "overdue": fields.Boolean(), "overdue_days": fields.Integer(),
    "light": fields.String(allow_none=True, metadata={
        "description": "红黄绿灯（与督办事项同一规则）：red、yellow、green；已销号或撤回为 null"}),
}, name="ProblemOut")


class MeetingOut(Schema):
    id = fields.String()
    level = fields.Integer()
    date = fields.String()
    chair = fields.String()
    topic = fields.String()
    attendees = fields.List(fields.String())


class InspectionOut(Schema):
    id = fields.String()
    kind = fields.String()
    date = fields.String()
    inspectors = fields.List(fields.String())
    summary = fields.String()
    targets = fields.List(fields.String())


class BulletinOut(Schema):
    number = fields.String()
    title = fields.String()
    date = fields.String()
    inspections = fields.List(fields.String())


class RectificationOut(Schema):
    unit = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    total = fields.Integer()
    resolved = fields.Integer()
    in_progress = fields.Integer()
    overdue = fields.Integer()
    rate = fields.Float()


class LevelStats(Schema):
    level = fields.Integer()
    level_name = fields.String()
    problems_dispatched = fields.Integer()
    meetings = fields.Integer()
    resolved = fields.Integer()


class UnitStats(Schema):
    unit = fields.String()
    name = fields.String(allow_none=True)
    dispatched = fields.Integer()
    resolved = fields.Integer()
    in_progress = fields.Integer()
    overdue = fields.Integer()


class DispatchStatsOut(Schema):
    by_level = fields.List(fields.Nested(LevelStats))
    by_unit = fields.List(fields.Nested(UnitStats))


# -- the ledger -----------------------------------------------------------------
def problem_json(row, day: date) -> dict:
    return problems_json([row], day)[0]


def problems_json(rows, day: date) -> list[dict]:
    """Ledger rows as the API answers them; what depends on the day is set up once per page."""
    light = problem_views.lighting(day)
    out = []
    keys = [str(k) for k in rows[0]._fields] if rows else []
    for row in rows:
        one = dict(zip(keys, row))
        one["status_name"] = PROBLEM_STATUSES[row.status]
        one["overdue"] = problem_views.is_overdue(row, day)
        one["overdue_days"] = problem_views.overdue_days(row, day)
        one["light"] = light(row)
        out.append(one)
    return out


def list_problems(view: QueryView, args: dict) -> Page:
    day = view.today
    q = problem_views.ledger(Scope(view.actor), day, **args)
    return Page(q, lambda rows: problems_json(rows, day), problems.c.id)


def get_problem(view: QueryView, args: dict) -> dict:
    return problem_json(problem_views.one(view.conn, Scope(view.actor), args["id"]), view.today)


def problem_history(view: QueryView, args: dict) -> list[dict]:
    problem_views.one(view.conn, Scope(view.actor), args["id"])
    with view.events() as conn:
        evs = view.services.store.read_stream(stream("problem", args["id"]), conn,
                                              until_position=view.position)
    return [event_json(e) for e in evs]


# -- meetings, inspections, bulletins ----------------------------------------------
def list_meetings(view: QueryView, args: dict) -> list[dict]:
    return oversight.meetings(view.conn, Scope(view.actor), args.get("level"))


def list_inspections(view: QueryView, args: dict) -> list[dict]:
    return oversight.inspections(view.conn, Scope(view.actor), args.get("kind"))


def list_bulletins(view: QueryView, args: dict) -> list[dict]:
    return oversight.bulletins(view.conn, Scope(view.actor))


# -- rectification and dispatch statistics --------------------------------------------
def rectification(view: QueryView, args: dict) -> list[dict]:
    return dispatch.rectification_rows(view.conn, view.today.isoformat(), Scope(view.actor))


def dispatch_stats(view: QueryView, args: dict) -> dict:
    span = dispatch.ALL_TIME
    if args.get("year") or args.get("through"):
        span = period_of(view, args)
    return dispatch.statistics(view.conn, span, view.today.isoformat(), Scope(view.actor))


TAGS = ("问题",)
QUERIES = [
    QuerySpec("/problems", list_problems, LedgerArgs, "问题台账", ProblemOut(many=True), tags=TAGS),
    QuerySpec("/problems/{id}", get_problem, ProblemArgs, "问题详情", ProblemOut, tags=TAGS),
    QuerySpec("/problems/{id}/history", problem_history, ProblemArgs, "问题的全部事件（按顺序）",
              EventOut(many=True), tags=TAGS),
    QuerySpec("/meetings", list_meetings, MeetingArgs, "调度会", MeetingOut(many=True),
              tags=("调度会",)),
    QuerySpec("/inspections", list_inspections, InspectionArgs, "督查记录",
              InspectionOut(many=True), tags=("督查",)),
    QuerySpec("/bulletins", list_bulletins, AsOfArgs, "督查通报", BulletinOut(many=True),
              tags=("督查",)),
    QuerySpec("/rectification", rectification, AsOfArgs, "整改跟踪（督查发现问题，按责任单位）",
              RectificationOut(many=True), tags=("督查",)),
    QuerySpec("/dispatch-stats", dispatch_stats, SummaryArgs,
              "调度统计（按级别、按责任单位；给了 year 或 through 时为该期间，否则为全部）",
              DispatchStatsOut, tags=TAGS),
]
