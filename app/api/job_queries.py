"""Scheduled jobs, the published fast/slow lists (the LED board's source), units' reminders and
the chain's anchors."""
from __future__ import annotations

import json

from marshmallow import Schema, fields
from sqlalchemy import select

from ..commands.jobs import PERIOD
from ..domain.actors import ADMIN, DISPATCHER, UNIT_REPORTER
from ..domain.errors import Forbidden, NotFound
from ..events.model import parse_instant
from ..projections.jobs import anchors, publicity, reminders
from ..scheduler import job_status
from .queries import AsOfArgs, QuerySpec, QueryView


class NoArgs(Schema):
    pass


class PublicityArgs(AsOfArgs):
    period = fields.String(required=True, validate=PERIOD, metadata={"description": "月份 YYYY-MM"})


class ReminderArgs(AsOfArgs):
    period = fields.String(load_default=None, validate=PERIOD)
    unit = fields.String(load_default=None)
    open = fields.Boolean(load_default=None, metadata={"description": "true：只列仍未填报的"})


class JobOut(Schema):
    name = fields.String()
    title = fields.String()
    schedule = fields.String()
    next_run = fields.String(allow_none=True)
    next_run_source = fields.String()
    last_run = fields.String(allow_none=True)
    last_finished = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_name = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    events = fields.Integer()
    running = fields.Boolean()
    last_skipped = fields.String(allow_none=True)


class PublicityOut(Schema):
    period = fields.String()
    published_on = fields.String()
    recorded_at = fields.String()
    position = fields.Integer()
    fast = fields.List(fields.Dict())
    slow = fields.List(fields.Dict())
    basis = fields.Dict()


class AnchorOut(Schema):
    day = fields.String()
    position = fields.Integer(metadata={"description": "被锚定的链头位置"})
    hash = fields.String()
    event_position = fields.Integer()
    recorded_at = fields.String()


class ReminderOut(Schema):
    period = fields.String()
    project = fields.String()
    name = fields.String()
    unit = fields.String()
    reminded_on = fields.String()
    flagged_on = fields.String(allow_none=True)
    submitted_on = fields.String(allow_none=True)


def _instant(view: QueryView, text: str) -> str:
    return parse_instant(text).astimezone(view.services.tz).isoformat()


def job_list(view: QueryView, args: dict) -> list[dict]:
    if view.actor.role not in (ADMIN, DISPATCHER):
        raise Forbidden("只有调度员和系统管理员可以查看定时任务。")
    return job_status(view.services)


def _publicity_json(view: QueryView, row) -> dict:
    return {"period": row.period, "published_on": row.published_on,
            "recorded_at": _instant(view, row.recorded_at), "position": row.position,
            "fast": json.loads(row.fast), "slow": json.loads(row.slow),
            "basis": json.loads(row.basis)}


def publicity_latest(view: QueryView, args: dict) -> dict:
    row = view.conn.execute(select(publicity).order_by(publicity.c.position.desc()).limit(1)).first()
    if row is None:
        raise NotFound("尚未发布任何月度快慢榜。")
    return _publicity_json(view, row)


def publicity_for_period(view: QueryView, args: dict) -> dict:
    row = view.conn.execute(select(publicity).where(publicity.c.period == args["period"])).first()
    if row is None:
        raise NotFound(f"{args['period']} 的快慢榜尚未发布。")
    return _publicity_json(view, row)


def chain_anchors(view: QueryView, args: dict) -> list[dict]:
    rows = view.conn.execute(select(anchors).order_by(anchors.c.day))
    return [{"day": r.day, "position": r.anchored_position, "hash": r.hash,
             "event_position": r.position, "recorded_at": _instant(view, r.recorded_at)}
            for r in rows]


def reminder_list(view: QueryView, args: dict) -> list[dict]:
    """Units' to-dos from the monthly reminders (催报); a unit reporter sees their own unit's."""
    unit = args["unit"]
    if view.actor.role == UNIT_REPORTER:
        if unit not in (None, view.actor.unit):
            raise Forbidden("只能查看本单位的催报事项。")
        unit = view.actor.unit
    r = reminders.c
    q = select(reminders).order_by(r.period.desc(), r.unit, r.project)
    if args["period"]:
        q = q.where(r.period == args["period"])
    if unit:
        q = q.where(r.unit == unit)
    if args["open"] is True:
        q = q.where(r.submitted_on.is_(None))
    elif args["open"] is False:
        q = q.where(r.submitted_on.is_not(None))
    return [{"period": x.period, "project": x.project, "name": x.name, "unit": x.unit,
             "reminded_on": x.reminded_on, "flagged_on": x.flagged_on,
             "submitted_on": x.submitted_on} for x in view.conn.execute(q)]


QUERIES = [
    QuerySpec("/jobs", job_list, NoArgs, "定时任务：计划、下次运行、上次运行及结果（调度员、管理员）",
              JobOut(many=True), tags=("定时任务",)),
    QuerySpec("/publicity/latest", publicity_latest, AsOfArgs, "最新发布的月度快慢榜（LED 屏公示内容）",
              PublicityOut, tags=("公示",)),
    QuerySpec("/publicity", publicity_for_period, PublicityArgs, "某月发布的快慢榜", PublicityOut,
              tags=("公示",)),
    QuerySpec("/audit/anchors", chain_anchors, AsOfArgs, "每日哈希链锚点", AnchorOut(many=True),
              tags=("审计",)),
    QuerySpec("/reminders", reminder_list, ReminderArgs, "月度进度催报事项（单位待办）",
              ReminderOut(many=True), tags=("公示",)),
]
