"""Scheduled jobs, the published fast/slow lists (the LED board's source), units' reminders and
the chain's anchors."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..commands.jobs import PERIOD
from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import Forbidden
from ..scheduler import job_status
from ..views import jobs
from ..views.scope import Scope
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


def job_list(view: QueryView, args: dict) -> list[dict]:
    if view.actor.role not in (ADMIN, DISPATCHER):
        raise Forbidden("只有调度员和系统管理员可以查看定时任务。")
    return job_status(view.services)


def publicity_latest(view: QueryView, args: dict) -> dict:
    return jobs.published_list(view.conn, view.services.tz)


def publicity_for_period(view: QueryView, args: dict) -> dict:
    return jobs.published_list(view.conn, view.services.tz, args["period"])


def chain_anchors(view: QueryView, args: dict) -> list[dict]:
    return jobs.anchors(view.conn, view.services.tz)


def reminder_list(view: QueryView, args: dict) -> list[dict]:
    """Units' to-dos from the monthly reminders (催报); a unit reporter sees their own unit's."""
    return jobs.reminders(view.conn, Scope(view.actor), args["period"], args["unit"], args["open"])


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
