"""Deadline reminders (临期提醒): a fact recorded once per deadline by the daily job."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class ProblemDeadlineNear(Schema):
    deadline = fields.String(required=True)  # YYYY-MM-DD
    days_left = fields.Integer(required=True)


def register(registry: EventRegistry) -> None:
    registry.register("ProblemDeadlineNear", ProblemDeadlineNear)
