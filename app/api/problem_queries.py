"""The problem ledger (问题台账), a problem's history, meetings, inspections, bulletins,
rectification tracking (整改跟踪) and dispatch statistics (调度统计)."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate
from sqlalchemy import Integer, func, or_, select

from ..admin.queries import Scope
from ..domain.actors import UNIT_REPORTER
from ..domain.errors import Forbidden, NotFound
from ..domain.vocab import INSPECTION_KINDS, LEVELS, PROBLEM_STATUSES, stream
from ..projections.oversight import bulletins, inspections, meetings
from ..projections.problems import OPEN_STATUSES, overdue_condition, problem_dispatches, problems
from ..projections.units import units
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView


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
def _owner():
    """The unit a problem belongs to now: its responsible unit, or before dispatch its raising unit."""
    return func.coalesce(problems.c.responsible_unit, problems.c.unit)


def _visible(view: QueryView):
    """Unit reporters see the problems raised by or assigned to their unit; everyone else all."""
    p = problems
    return Scope(view.actor).problems(p.c.unit, p.c.responsible_unit, p.c.leader, p.c.project)


def is_overdue(row, day: date) -> bool:
    return row.status in OPEN_STATUSES and row.deadline is not None and row.deadline < day.isoformat()


def problem_json(row, day: date) -> dict:
    out = dict(row._mapping)
    out["status_name"] = PROBLEM_STATUSES[row.status]
    out["overdue"] = is_overdue(row, day)
    out["overdue_days"] = (day - date.fromisoformat(row.deadline)).days if out["overdue"] else 0
    out["light"] = problem_light(row, day)
    return out


def problem_light(row, day: date) -> str | None:
    """The tasks' light rule on a problem's deadline (红黄绿灯), in working days."""
    from ..commands.task_rules import deadline_light
    from ..workdays import current, light_settings

    return deadline_light(row.status in OPEN_STATUSES, row.deadline, day, current(),
                          light_settings()[0])


def list_problems(view: QueryView, args: dict) -> Page:
    day = view.today
    conds = [c for c in (
        _visible(view),
        problems.c.status == args["status"] if "status" in args else None,
        problems.c.level == args["level"] if "level" in args else None,
        _owner() == args["unit"] if "unit" in args else None,
        problems.c.project == args["project"] if "project" in args else None,
    ) if c is not None]
    if "overdue" in args:
        if args["overdue"]:
            conds.append(overdue_condition(day.isoformat()))
        else:  # spelled out: NOT over a NULL deadline would drop the problems not yet dispatched
            conds.append(or_(problems.c.status.not_in(OPEN_STATUSES), problems.c.deadline.is_(None),
                             problems.c.deadline >= day.isoformat()))
    return Page(select(problems).where(*conds).order_by(problems.c.id),
                lambda rows: [problem_json(r, day) for r in rows], problems.c.id)


def _one(view: QueryView, problem_id: str):
    row = view.conn.execute(select(problems).where(problems.c.id == problem_id)).first()
    if row is None:
        raise NotFound(f"问题“{problem_id}”不存在。")
    if view.actor.role == UNIT_REPORTER and view.actor.unit not in (row.unit, row.responsible_unit):
        raise Forbidden("只能查看本单位的问题。")
    return row


def get_problem(view: QueryView, args: dict) -> dict:
    return problem_json(_one(view, args["id"]), view.today)


def problem_history(view: QueryView, args: dict) -> list[dict]:
    _one(view, args["id"])
    evs = view.services.store.read_stream(stream("problem", args["id"]),
                                          until_position=view.position)
    return [event_json(e) for e in evs]


# -- meetings, inspections, bulletins ----------------------------------------------
def _split(value: str, sep: str) -> list[str]:
    return value.split(sep) if value else []


def list_meetings(view: QueryView, args: dict) -> list[dict]:
    q = (select(meetings).where(Scope(view.actor).meetings(meetings.c.id, meetings.c.attendees))
         .order_by(meetings.c.id))
    if "level" in args:
        q = q.where(meetings.c.level == args["level"])
    return [{"id": r.id, "level": r.level, "date": r.on_date, "chair": r.chair, "topic": r.topic,
             "attendees": _split(r.attendees, "、")} for r in view.conn.execute(q)]


def list_inspections(view: QueryView, args: dict) -> list[dict]:
    q = (select(inspections).where(Scope(view.actor).inspections(inspections.c.id,
                                                                 inspections.c.targets))
         .order_by(inspections.c.id))
    if "kind" in args:
        q = q.where(inspections.c.kind == args["kind"])
    return [{"id": r.id, "kind": r.kind, "date": r.on_date, "inspectors": _split(r.inspectors, "、"),
             "summary": r.summary, "targets": _split(r.targets, ",")} for r in view.conn.execute(q)]


def list_bulletins(view: QueryView, args: dict) -> list[dict]:
    q = (select(bulletins).where(Scope(view.actor).bulletins(bulletins.c.inspections))
         .order_by(bulletins.c.on_date, bulletins.c.number))
    return [{"number": r.number, "title": r.title, "date": r.on_date,
             "inspections": _split(r.inspections, ",")} for r in view.conn.execute(q)]


# -- rectification and dispatch statistics --------------------------------------------
def _unit_names(view: QueryView) -> dict[str, str]:
    return dict(view.conn.execute(select(units.c.code, units.c.name)).all())


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def rectification(view: QueryView, args: dict) -> list[dict]:
    """Problems found by inspections, per unit now responsible (withdrawn ones are not counted).

    ``in_progress`` counts every open problem (raised, in progress, awaiting verification),
    so that total = resolved + in_progress.
    """
    day = view.today
    conds = [problems.c.source == "inspection", problems.c.status != "withdrawn", _visible(view)]
    per: dict[str | None, dict] = {}
    for r in view.conn.execute(select(problems).where(*conds)):
        unit = r.responsible_unit or r.unit
        s = per.setdefault(unit, {"unit": unit, "total": 0, "resolved": 0, "in_progress": 0,
                                  "overdue": 0})
        s["total"] += 1
        s["resolved"] += r.status == "resolved"
        s["in_progress"] += r.status in OPEN_STATUSES
        s["overdue"] += is_overdue(r, day)
    names = _unit_names(view)
    out = sorted(per.values(), key=lambda s: s["unit"] or "")
    for s in out:
        s["name"] = names.get(s["unit"] or "")
        s["rate"] = _ratio(s["resolved"], s["total"])
    return out


def dispatch_stats(view: QueryView, args: dict) -> dict:
    """Per level: problems dispatched at it, meetings held at it, problems resolved at it
    (their level when verified); per responsible unit: dispatched, resolved, in progress, overdue."""
    day = view.today
    mine = view.actor.unit if view.actor.role == UNIT_REPORTER else None
    dq = select(problem_dispatches.c.level, func.count(func.distinct(problem_dispatches.c.problem)))
    if mine:
        dq = dq.where(problem_dispatches.c.responsible_unit == mine)
    dispatched = dict(view.conn.execute(dq.group_by(problem_dispatches.c.level)).all())
    held = dict(view.conn.execute(select(meetings.c.level, func.count())
                                  .group_by(meetings.c.level)).all())
    pq = select(problems).where(problems.c.responsible_unit.is_not(None))
    if mine:
        pq = pq.where(problems.c.responsible_unit == mine)
    resolved_at: dict[int, int] = {}
    per: dict[str, dict] = {}
    for r in view.conn.execute(pq):
        s = per.setdefault(r.responsible_unit, {"unit": r.responsible_unit, "dispatched": 0,
                                                "resolved": 0, "in_progress": 0, "overdue": 0})
        s["dispatched"] += 1
        s["in_progress"] += r.status in ("in_progress", "awaiting_verification")
        s["overdue"] += is_overdue(r, day)
        if r.status == "resolved":
            s["resolved"] += 1
            resolved_at[r.level] = resolved_at.get(r.level, 0) + 1
    names = _unit_names(view)
    by_unit = sorted(per.values(), key=lambda s: s["unit"])
    for s in by_unit:
        s["name"] = names.get(s["unit"])
    by_level = [{"level": lv, "level_name": name, "problems_dispatched": dispatched.get(lv, 0),
                 "meetings": held.get(lv, 0), "resolved": resolved_at.get(lv, 0)}
                for lv, name in LEVELS.items()]
    return {"by_level": by_level, "by_unit": by_unit}


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
    QuerySpec("/dispatch-stats", dispatch_stats, AsOfArgs, "调度统计（按级别、按责任单位）",
              DispatchStatsOut, tags=TAGS),
]
