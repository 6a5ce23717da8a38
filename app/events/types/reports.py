"""Projects in several lists, the funding ledger, and published reports."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class ProjectListsSet(Schema):
    """The lists a project belongs to besides its category (replaces the ones set before)."""

    project = fields.String(required=True)
    lists = fields.List(fields.String(), required=True)
    previous = fields.List(fields.String(), required=True)


class FundingRecorded(Schema):
    """Funds applied for (申报), approved (下达) or received (到位), on the event's business date."""

    project = fields.String(required=True)
    source = fields.String(required=True)
    stage = fields.String(required=True)
    amount = fields.Float(required=True)  # 万元
    document = fields.String(allow_none=True)  # 文号


class SummaryPublished(Schema):
    """A summary as it was sent: its figures and the ids each figure counted, at the position
    of this event, so that a later fact that changes a figure can be shown against it."""

    id = fields.String(required=True)
    year = fields.Integer(required=True)
    through = fields.String(required=True)  # YYYY-MM or YYYY-MM-DD
    title = fields.String(required=True)
    figures = fields.Dict(required=True)
    items = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


def register(registry: EventRegistry) -> None:
    registry.register("ProjectListsSet", ProjectListsSet)
    registry.register("FundingRecorded", FundingRecorded)
    registry.register("SummaryPublished", SummaryPublished)
