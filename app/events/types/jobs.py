"""Facts recorded by the scheduled jobs (定时任务), always by the system actor.

Each carries the figures it was decided on, so that what was shown or sent can be proved later.
"""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class RemindedProject(Schema):
    project = fields.String(required=True)
    name = fields.String(required=True)


class ProgressReminderIssued(Schema):
    """催报: a unit's projects with no progress for a month, listed as its to-dos."""

    period = fields.String(required=True)  # YYYY-MM the progress is missing for
    unit = fields.String(required=True)
    unit_name = fields.String(allow_none=True)
    projects = fields.List(fields.Nested(RemindedProject), required=True)


class FlaggedUnit(Schema):
    unit = fields.String(required=True)
    unit_name = fields.String(allow_none=True)
    projects = fields.List(fields.String(), required=True)  # project codes still missing


class MissingReportsFlagged(Schema):
    """Units still missing a month's progress after the reminder, flagged to the dispatcher."""

    period = fields.String(required=True)
    units = fields.List(fields.Nested(FlaggedUnit), required=True)


class RankedProject(Schema):
    rank = fields.Integer(required=True)
    project = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    unit_name = fields.String(allow_none=True)
    ytd = fields.Float(required=True)  # 万元, completed in the year through the period
    plan = fields.Float(required=True)  # 万元, the year's planned investment
    ratio = fields.Float(required=True)  # ytd / plan
    expected = fields.Float(required=True)  # months elapsed / 12


class FastSlowListPublished(Schema):
    """The month's fast and slow projects (进展情况公示, 红黑榜), as shown on the LED board."""

    period = fields.String(required=True)
    fast = fields.List(fields.Nested(RankedProject), required=True)
    slow = fields.List(fields.Nested(RankedProject), required=True)
    # year, through, months, expected, fast_points, slow_points, ranked, head_position
    basis = fields.Dict(required=True)


class ChainAnchored(Schema):
    """The head of the hash chain on a day, to compare with a copy kept outside the system."""

    position = fields.Integer(required=True)
    hash = fields.String(required=True)


def register(registry: EventRegistry) -> None:
    registry.register("ProgressReminderIssued", ProgressReminderIssued)
    registry.register("MissingReportsFlagged", MissingReportsFlagged)
    registry.register("FastSlowListPublished", FastSlowListPublished)
    registry.register("ChainAnchored", ChainAnchored)
