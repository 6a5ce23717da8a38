"""Dispatch meetings (调度会), inspections (督查) and bulletins (督查通报)."""
from marshmallow import Schema, fields

from ...files.payload import attachments_payload
from ..registry import EventRegistry


class MeetingHeld(Schema):
    id = fields.String(required=True)
    level = fields.Integer(required=True)
    chair = fields.String(required=True)
    topic = fields.String(required=True)
    attendees = fields.List(fields.String(), required=True)
    attachments = attachments_payload()


class InspectionRecorded(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    inspectors = fields.List(fields.String(), required=True)
    summary = fields.String(required=True)
    targets = fields.List(fields.String(), required=True)  # unit codes
    attachments = attachments_payload()


class BulletinIssued(Schema):
    number = fields.String(required=True)
    title = fields.String(required=True)
    inspections = fields.List(fields.String(), required=True)
    attachments = attachments_payload()


def register(registry: EventRegistry) -> None:
    registry.register("MeetingHeld", MeetingHeld)
    registry.register("InspectionRecorded", InspectionRecorded)
    registry.register("BulletinIssued", BulletinIssued)
