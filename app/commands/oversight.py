"""Dispatch meetings (调度会), inspections (督查) and bulletins (督查通报)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..domain.errors import Conflict, Forbidden
from ..domain.vocab import INSPECTION_KINDS, LEVELS, stream
from ..events.model import NewEvent
from ..files.records import attachments_field, with_attachments
from ..limits.dates import Day
from .base import CommandSpec, Context, Decision
from .problems import not_blank, text

NAME = fields.String(validate=[not_blank, validate.Length(max=80)])


def names(required: bool) -> fields.List:
    """A list of people or codes; required lists need at least one."""
    if required:
        return fields.List(NAME, required=True, validate=validate.Length(min=1))
    return fields.List(NAME, load_default=list)


class HoldMeeting(Schema):
    level = fields.Integer(required=True, validate=validate.OneOf(list(LEVELS)))
    date = Day(required=True)
    chair = text(max_length=80)
    topic = text()
    attendees = names(required=False)
    attachments = attachments_field()


class RecordInspection(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(INSPECTION_KINDS)))
    date = Day(required=True)
    inspectors = names(required=True)
    summary = text()
    targets = names(required=False)  # unit codes
    attachments = attachments_field()


class IssueBulletin(Schema):
    number = fields.String(required=True, validate=[not_blank, validate.Length(max=50)])
    title = text(max_length=500)
    date = Day(required=True)
    inspections = names(required=False)
    attachments = attachments_field()


def hold_meeting(ctx: Context, cmd: dict) -> Decision:
    if ctx.actor.role == LEADER and cmd["level"] != 2:
        raise Forbidden("县级联系领导只能召开二级调度会。")
    day = ctx.business_date(cmd)
    meeting_id = ctx.next_id("meeting", "M", 4)
    data = {"id": meeting_id, "level": cmd["level"], "chair": cmd["chair"], "topic": cmd["topic"],
            "attendees": cmd["attendees"]}
    with_attachments(ctx, cmd, data)
    return Decision(meeting_id, stream("meeting", meeting_id), "meeting",
                    [NewEvent("MeetingHeld", data, day)])


def record_inspection(ctx: Context, cmd: dict) -> Decision:
    day = ctx.business_date(cmd)
    for unit in cmd["targets"]:
        ctx.require(stream("unit", unit), f"被督查单位“{unit}”不存在。")
    inspection_id = ctx.next_id("inspection", "I", 4)
    data = {"id": inspection_id, "kind": cmd["kind"], "inspectors": cmd["inspectors"],
            "summary": cmd["summary"], "targets": cmd["targets"]}
    with_attachments(ctx, cmd, data)
    return Decision(inspection_id, stream("inspection", inspection_id), "inspection",
                    [NewEvent("InspectionRecorded", data, day)])


def issue_bulletin(ctx: Context, cmd: dict) -> Decision:
    number = cmd["number"].strip()
    sid = stream("bulletin", number)
    day = ctx.business_date(cmd)
    if ctx.exists(sid):
        raise Conflict(f"通报期号“{number}”已存在。")
    for inspection in cmd["inspections"]:
        ctx.require(stream("inspection", inspection), f"督查记录“{inspection}”不存在。")
    data = {"number": number, "title": cmd["title"], "inspections": cmd["inspections"]}
    with_attachments(ctx, cmd, data)
    return Decision(number, sid, "bulletin", [NewEvent("BulletinIssued", data, day)])


COMMANDS = [
    CommandSpec("hold_meeting", HoldMeeting, hold_meeting, (ADMIN, DISPATCHER, LEADER), "召开调度会",
                path="/meetings", tags=("调度会",)),
    CommandSpec("record_inspection", RecordInspection, record_inspection, (ADMIN, INSPECTOR),
                "登记督查", path="/inspections", tags=("督查",)),
    CommandSpec("issue_bulletin", IssueBulletin, issue_bulletin, (ADMIN, INSPECTOR), "发布督查通报",
                path="/bulletins", tags=("督查",)),
]
