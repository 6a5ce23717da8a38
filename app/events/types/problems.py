"""Problems (梗阻问题) from raised to resolved, dispatched at three levels."""
from marshmallow import Schema, fields

from ...files.payload import attachments_payload
from ..registry import EventRegistry


class ProblemRaised(Schema):
    id = fields.String(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)
    project = fields.String(allow_none=True)
    inspection = fields.String(allow_none=True)
    # the unit the problem belongs to before any dispatch (the project's responsible unit)
    unit = fields.String(allow_none=True)


class ProblemDispatched(Schema):
    level = fields.Integer(required=True)
    decision = fields.String(required=True)
    responsible_unit = fields.String(required=True)
    responsible_person = fields.String(allow_none=True)
    leader = fields.String(allow_none=True)
    meeting = fields.String(allow_none=True)
    deadline = fields.String(required=True)  # YYYY-MM-DD


class ProblemEscalated(Schema):
    from_level = fields.Integer(required=True)
    to_level = fields.Integer(required=True)
    reason = fields.String(required=True)


class ProblemNoted(Schema):
    note = fields.String(required=True)
    attachments = attachments_payload()


class ProblemUrged(Schema):
    note = fields.String(required=True)
    attachments = attachments_payload()


class DeadlineExtended(Schema):
    deadline = fields.String(required=True)
    previous = fields.String(required=True)
    reason = fields.String(required=True)


class ResolutionReported(Schema):
    description = fields.String(required=True)
    attachments = attachments_payload()


class ResolutionVerified(Schema):
    note = fields.String(required=True)
    attachments = attachments_payload()


class ResolutionRejected(Schema):
    reason = fields.String(required=True)


class ProblemReopened(Schema):
    reason = fields.String(required=True)


class ProblemWithdrawn(Schema):
    reason = fields.String(required=True)


class ProblemOverdue(Schema):
    """Recorded once per deadline by the daily overdue job."""

    deadline = fields.String(required=True)


def register(registry: EventRegistry) -> None:
    for name, schema in [
        ("ProblemRaised", ProblemRaised), ("ProblemDispatched", ProblemDispatched),
        ("ProblemEscalated", ProblemEscalated), ("ProblemNoted", ProblemNoted),
        ("ProblemUrged", ProblemUrged), ("DeadlineExtended", DeadlineExtended),
        ("ResolutionReported", ResolutionReported), ("ResolutionVerified", ResolutionVerified),
        ("ResolutionRejected", ResolutionRejected), ("ProblemReopened", ProblemReopened),
        ("ProblemWithdrawn", ProblemWithdrawn), ("ProblemOverdue", ProblemOverdue),
    ]:
        registry.register(name, schema)
