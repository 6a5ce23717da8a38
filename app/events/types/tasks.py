"""Assigned tasks (督办事项) from assignment to acceptance. Payloads name the lead unit, the
co-units and the deadline wherever someone must be told."""
from marshmallow import Schema, fields

from ...files.payload import attachments_payload
from ..registry import EventRegistry


class TaskAssigned(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    source = fields.String(required=True)
    source_ref = fields.String(allow_none=True)
    lead_unit = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    leader = fields.String(allow_none=True)
    deadline = fields.String(required=True)  # YYYY-MM-DD
    feedback_cycle = fields.String(required=True)
    key = fields.Boolean(required=True)
    notice_number = fields.String(required=True)  # 文号 of the 督办通知单


class TaskAcknowledged(Schema):
    unit = fields.String(required=True)
    lead = fields.Boolean(required=True)  # the lead unit (else a co-unit)
    note = fields.String(allow_none=True)


class TaskReturned(Schema):
    unit = fields.String(required=True)
    reason = fields.String(required=True)


class TaskReassigned(Schema):
    lead_unit = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    deadline = fields.String(required=True)
    previous_lead_unit = fields.String(required=True)
    reason = fields.String(required=True)
    notice_number = fields.String(required=True)


class TaskFeedbackGiven(Schema):
    unit = fields.String(required=True)
    lead = fields.Boolean(required=True)
    progress = fields.String(required=True)
    attachments = attachments_payload()  # each file's sha256, name, size and type


class TaskUrged(Schema):
    note = fields.String(required=True)
    lead_unit = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    deadline = fields.String(required=True)
    notice_number = fields.String(required=True)  # 文号 of the 催办单


class TaskExtensionRequested(Schema):
    unit = fields.String(required=True)
    deadline = fields.String(required=True)
    previous = fields.String(required=True)
    reason = fields.String(required=True)


class TaskExtensionDecided(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(required=True)
    lead_unit = fields.String(required=True)
    deadline = fields.String(required=True)  # the deadline asked for
    previous = fields.String(required=True)


class TaskCompletionReported(Schema):
    unit = fields.String(required=True)
    report = fields.String(required=True)
    attachments = attachments_payload()


class TaskCompletionAccepted(Schema):
    note = fields.String(required=True)
    lead_unit = fields.String(required=True)


class TaskSentBack(Schema):
    reason = fields.String(required=True)
    lead_unit = fields.String(required=True)


class TaskEvaluated(Schema):
    rating = fields.String(required=True)
    note = fields.String(allow_none=True)


class TaskWithdrawn(Schema):
    reason = fields.String(required=True)


class TaskLightChanged(Schema):
    """Recorded by the daily job when a task's light differs from the one last recorded."""

    light = fields.String(allow_none=True)  # None: completed or withdrawn
    previous = fields.String(allow_none=True)


def register(registry: EventRegistry) -> None:
    for name, schema in [
        ("TaskAssigned", TaskAssigned), ("TaskAcknowledged", TaskAcknowledged),
        ("TaskReturned", TaskReturned), ("TaskReassigned", TaskReassigned),
        ("TaskFeedbackGiven", TaskFeedbackGiven), ("TaskUrged", TaskUrged),
        ("TaskExtensionRequested", TaskExtensionRequested),
        ("TaskExtensionDecided", TaskExtensionDecided),
        ("TaskCompletionReported", TaskCompletionReported),
        ("TaskCompletionAccepted", TaskCompletionAccepted), ("TaskSentBack", TaskSentBack),
        ("TaskEvaluated", TaskEvaluated), ("TaskWithdrawn", TaskWithdrawn),
        ("TaskLightChanged", TaskLightChanged),
    ]:
        registry.register(name, schema)
