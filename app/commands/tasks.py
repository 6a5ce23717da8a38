"""Assigned tasks (督办事项): register and assign, acknowledge or return, feed back, urge, extend,
report completion, accept or send back, rate, withdraw; and the daily job's light facts.

Handlers load the task's stream, fold it with ``task_rules`` (the pure state machine) and decide one
event. Order of refusals, as for problems: 404 unknown task, 403 actor, 400 input, 404 unknown
references, 422 state.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER
from ..domain.errors import Forbidden, NotAllowed
from ..domain.vocab import FEEDBACK_CYCLES, RATINGS, TASK_SOURCES, stream
from ..events.model import NewEvent
from ..files.records import attachment_records, attachments_field
from ..limits.dates import Day
from ..workdays import current as current_calendar
from .base import CommandSpec, Context, Decision
from .problems import business_day, not_blank, text
from .statements import notices_of_year
from .task_rules import (
    TaskState,
    check_acknowledge,
    check_co_units,
    check_deadline,
    check_extension_decision,
    check_extension_request,
    check_not_before_registered,
    check_permission,
    fold,
    require_status,
    state_light,
)

NOTICE_OFFICE = "区发改督"  # 文号 prefix: 区发改督〔2019〕12号


def unit_code() -> fields.String:
    return fields.String(required=True, validate=[not_blank, validate.Length(max=50)])


class RegisterTask(Schema):
    title = text(max_length=200)
    source = fields.String(required=True, validate=validate.OneOf(list(TASK_SOURCES)))
    lead_unit = unit_code()
    deadline = Day(required=True)
    description = text(required=False)
    source_ref = text(required=False, max_length=200)
    co_units = fields.List(fields.String(validate=[not_blank, validate.Length(max=50)]),
                           load_default=list, validate=validate.Length(max=50))
    leader = text(required=False, max_length=80)
    feedback_cycle = fields.String(load_default="none", validate=validate.OneOf(list(FEEDBACK_CYCLES)))
    key = fields.Boolean(load_default=False)
    date = business_day()


class OnTask(Schema):
    id = fields.String(required=True)


class AcknowledgeTask(OnTask):
    note = text(required=False)
    date = business_day()


class TaskWithReason(OnTask):
    reason = text()
    date = business_day()


class ReassignTask(OnTask):
    lead_unit = unit_code()
    reason = text()
    co_units = fields.List(fields.String(validate=[not_blank, validate.Length(max=50)]),
                           load_default=None, allow_none=True, validate=validate.Length(max=50))
    deadline = Day(load_default=None, allow_none=True)
    date = business_day()


class GiveFeedback(OnTask):
    progress = text()
    attachments = attachments_field()
    date = business_day()


class TaskNote(OnTask):
    note = text()
    date = business_day()


class RequestExtension(OnTask):
    deadline = Day(required=True)
    reason = text()
    date = business_day()


class DecideExtension(OnTask):
    approve = fields.Boolean(required=True)
    note = text()
    date = business_day()


class ReportCompletion(OnTask):
    report = text()
    attachments = attachments_field()
    date = business_day()


class EvaluateTask(OnTask):
    rating = fields.String(required=True, validate=validate.OneOf(list(RATINGS)))
    note = text(required=False)
    date = business_day()


class RecordLight(OnTask):
    warn_workdays = fields.Integer(load_default=3, validate=validate.Range(min=0, max=60))
    ack_workdays = fields.Integer(load_default=2, validate=validate.Range(min=0, max=60))


def task_stream(task_id: str) -> str:
    return stream("task", task_id)


def _on_task(c: dict) -> str:
    return task_stream(c["id"])


def load_task(ctx: Context, task_id: str) -> TaskState:
    return fold(ctx.require(task_stream(task_id), f"督办事项“{task_id}”不存在。"))


def _decide(state: TaskState, event: NewEvent) -> Decision:
    return Decision(state.id or "", task_stream(state.id or ""), "task", [event])


def _open(ctx: Context, cmd: dict, action: str) -> tuple[TaskState, date]:
    """The common start: the task (404), the actor (403), the business date (400)."""
    state = load_task(ctx, cmd["id"])
    check_permission(ctx.actor, action, state)
    day = ctx.business_date(cmd)
    check_not_before_registered(state, day)
    return state, day


def _require_units(ctx: Context, codes: list[str]) -> None:
    for code in codes:
        ctx.require(stream("unit", code), f"单位“{code}”不存在。")


def next_notice_number(ctx: Context, day: date) -> str:
    """The next 文号 of the year (区发改督〔2019〕12号): one sequence per year for every notice the
    bureau issues on tasks (督办通知单 and 催办单), so that no number is given twice."""
    return f"{NOTICE_OFFICE}〔{day.year}〕{notices_of_year(ctx.tx, day.year) + 1}号"


# -- register and (re)assign -------------------------------------------------------------
def register_task(ctx: Context, cmd: dict) -> Decision:
    if ctx.actor.role == INSPECTOR and cmd["source"] != "inspection":
        raise Forbidden("纪检督查人员只能登记督查发现的督办事项（来源为督查发现）。")
    day = ctx.business_date(cmd)
    check_deadline(cmd["deadline"], day)
    co_units = check_co_units(cmd["lead_unit"], cmd["co_units"])
    _require_units(ctx, [cmd["lead_unit"], *co_units])
    task_id = ctx.next_id("task", "T", 5)
    data = {"id": task_id, "title": cmd["title"], "description": cmd["description"],
            "source": cmd["source"], "source_ref": cmd["source_ref"], "lead_unit": cmd["lead_unit"],
            "co_units": co_units, "leader": cmd["leader"], "deadline": cmd["deadline"].isoformat(),
            "feedback_cycle": cmd["feedback_cycle"], "key": cmd["key"],
            "notice_number": next_notice_number(ctx, day)}
    return Decision(task_id, task_stream(task_id), "task", [NewEvent("TaskAssigned", data, day)])


def reassign_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "reassign")
    deadline = cmd["deadline"]
    if deadline is not None:
        check_deadline(deadline, day)
    co_units = cmd["co_units"] if cmd["co_units"] is not None else \
        [u for u in state.co_units if u != cmd["lead_unit"]]
    co_units = check_co_units(cmd["lead_unit"], co_units)
    _require_units(ctx, [cmd["lead_unit"], *co_units])
    require_status(state, "reassign")
    data = {"lead_unit": cmd["lead_unit"], "co_units": co_units,
            "deadline": deadline.isoformat() if deadline else state.deadline,
            "previous_lead_unit": state.lead_unit, "reason": cmd["reason"],
            "notice_number": next_notice_number(ctx, day)}
    return _decide(state, NewEvent("TaskReassigned", data, day))


# -- the units' steps -----------------------------------------------------------------------
def acknowledge_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "acknowledge")
    unit = ctx.actor.unit or ""
    check_acknowledge(state, unit)
    data = {"unit": unit, "lead": unit == state.lead_unit, "note": cmd["note"]}
    return _decide(state, NewEvent("TaskAcknowledged", data, day))


def return_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "return")
    require_status(state, "return")
    return _decide(state, NewEvent("TaskReturned", {"unit": ctx.actor.unit, "reason": cmd["reason"]},
                                   day))


def give_feedback(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "feedback")
    unit = ctx.actor.unit or ""
    require_status(state, "feedback")
    if unit == state.lead_unit and unit not in state.acknowledged:
        raise NotAllowed(f"督办事项 {state.id} 尚未签收，请先签收再反馈进展。")
    data = {"unit": unit, "lead": unit == state.lead_unit, "progress": cmd["progress"],
            "attachments": attachment_records(ctx, cmd["attachments"])}
    return _decide(state, NewEvent("TaskFeedbackGiven", data, day))


def request_extension(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "extension_request")
    check_extension_request(state, cmd["deadline"])
    data = {"unit": ctx.actor.unit, "deadline": cmd["deadline"].isoformat(),
            "previous": state.deadline, "reason": cmd["reason"]}
    return _decide(state, NewEvent("TaskExtensionRequested", data, day))


def report_completion(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "completion")
    require_status(state, "completion")
    data = {"unit": ctx.actor.unit, "report": cmd["report"],
            "attachments": attachment_records(ctx, cmd["attachments"])}
    return _decide(state, NewEvent("TaskCompletionReported", data, day))


# -- the dispatcher's steps -----------------------------------------------------------------
def urge_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "urge")
    require_status(state, "urge")
    data = {"note": cmd["note"], "lead_unit": state.lead_unit, "co_units": state.co_units,
            "deadline": state.deadline, "notice_number": next_notice_number(ctx, day)}
    return _decide(state, NewEvent("TaskUrged", data, day))


def decide_extension(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "extension_decision")
    check_extension_decision(state)
    data = {"approve": cmd["approve"], "note": cmd["note"], "lead_unit": state.lead_unit,
            "deadline": state.requested_deadline, "previous": state.deadline}
    return _decide(state, NewEvent("TaskExtensionDecided", data, day))


def accept_completion(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "accept")
    require_status(state, "accept")
    return _decide(state, NewEvent("TaskCompletionAccepted",
                                   {"note": cmd["note"], "lead_unit": state.lead_unit}, day))


def send_back(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "send_back")
    require_status(state, "send_back")
    return _decide(state, NewEvent("TaskSentBack",
                                   {"reason": cmd["reason"], "lead_unit": state.lead_unit}, day))


def evaluate_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "evaluation")
    require_status(state, "evaluation")
    return _decide(state, NewEvent("TaskEvaluated", {"rating": cmd["rating"], "note": cmd["note"]},
                                   day))


def withdraw_task(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "withdraw")
    require_status(state, "withdraw")
    return _decide(state, NewEvent("TaskWithdrawn", {"reason": cmd["reason"]}, day))


def record_light(ctx: Context, cmd: dict) -> Decision:
    """The daily job's fact: the task's light today differs from the one last recorded (once per
    change; 422 when it has not changed)."""
    state = load_task(ctx, cmd["id"])
    light = state_light(state, ctx.today, current_calendar(), cmd["warn_workdays"],
                        cmd["ack_workdays"])
    if light == state.recorded_light:
        raise NotAllowed(f"督办事项 {state.id} 的亮灯未变化，无需记录。")
    return _decide(state, NewEvent("TaskLightChanged",
                                   {"light": light, "previous": state.recorded_light}, ctx.today))


DECIDE = (ADMIN, DISPATCHER)
TAGS = ("督办事项",)


def _on(name: str, schema: type[Schema], handler, roles: tuple[str, ...], summary: str,
        suffix: str | None) -> CommandSpec:
    return CommandSpec(name, schema, handler, roles, summary, stream=_on_task,
                       path=f"/tasks/{{id}}/{suffix}" if suffix else None, tags=TAGS)


COMMANDS = [
    CommandSpec("register_task", RegisterTask, register_task, DECIDE + (INSPECTOR,),
                "登记并交办督办事项", path="/tasks", tags=TAGS),
    _on("acknowledge_task", AcknowledgeTask, acknowledge_task, (UNIT_REPORTER,), "签收", "acknowledge"),
    _on("return_task", TaskWithReason, return_task, (UNIT_REPORTER,), "退回（非本单位事项）", "return"),
    _on("reassign_task", ReassignTask, reassign_task, DECIDE, "重新交办", "reassign"),
    _on("give_task_feedback", GiveFeedback, give_feedback, (UNIT_REPORTER,), "阶段反馈", "feedback"),
    _on("urge_task", TaskNote, urge_task, DECIDE + (LEADER,), "催办", "urge"),
    _on("request_task_extension", RequestExtension, request_extension, (UNIT_REPORTER,),
        "申请延期", "extension-request"),
    _on("decide_task_extension", DecideExtension, decide_extension, DECIDE, "审批延期申请",
        "extension-decision"),
    _on("report_task_completion", ReportCompletion, report_completion, (UNIT_REPORTER,),
        "报告办结", "completion"),
    _on("accept_task_completion", TaskNote, accept_completion, DECIDE, "审核办结（销号）", "accept"),
    _on("send_back_task", TaskWithReason, send_back, DECIDE, "退回重办", "send-back"),
    _on("evaluate_task", EvaluateTask, evaluate_task, DECIDE, "满意度评价", "evaluation"),
    _on("withdraw_task", TaskWithReason, withdraw_task, DECIDE, "撤销督办事项", "withdraw"),
    # no route: the scheduler's daily job runs it as the system actor
    _on("record_task_light", RecordLight, record_light, (), "记录亮灯变化", None),
]
