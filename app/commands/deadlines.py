"""Reminding a unit that a problem's deadline is near (临期提醒), once per deadline.

No route: the daily ``overdue`` job runs it as the system actor, for problems in progress whose
deadline falls within ``DEADLINE_WARN_DAYS`` (3) days. The notification policy tells the unit.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields

from ..domain.errors import NotAllowed
from ..events.model import NewEvent
from ..limits.dates import Day
from .base import CommandSpec, Context, Decision
from .problem_rules import IN_PROGRESS
from .problems import load_problem, problem_stream

WARN_DAYS = 3


class RecordDeadlineNear(Schema):
    id = fields.String(required=True)
    deadline = Day(required=True)


def record_deadline_near(ctx: Context, cmd: dict) -> Decision:
    state = load_problem(ctx, cmd["id"])
    deadline: date = cmd["deadline"]
    days_left = (deadline - ctx.today).days
    if state.status != IN_PROGRESS or state.deadline != deadline.isoformat() \
            or not 0 <= days_left <= WARN_DAYS:
        raise NotAllowed("该问题不在临期提醒范围内。")
    sid = problem_stream(cmd["id"])
    if any(e.type == "ProblemDeadlineNear" and e.data["deadline"] == state.deadline
           for e in ctx.load(sid)):
        raise NotAllowed("该完成时限已提醒过。")
    return Decision(cmd["id"], sid, "problem", [NewEvent(
        "ProblemDeadlineNear", {"deadline": state.deadline, "days_left": days_left}, ctx.today)])


COMMANDS = [
    CommandSpec("record_deadline_near", RecordDeadlineNear, record_deadline_near, (),
                "记录临期提醒", stream=lambda c: problem_stream(c["id"]), tags=("问题",)),
]
