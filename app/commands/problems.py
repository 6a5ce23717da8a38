"""Problems (梗阻问题): raise, dispatch at three levels, escalate, note, urge, extend, resolve, verify.

Handlers load the problem's stream, fold it with ``problem_rules`` (the pure state machine) and
decide one event. Order of refusals: 404 unknown problem, 403 actor, 400 input, 404 unknown
references, 422 state.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER
from ..domain.errors import Forbidden, InvalidCommand
from ..domain.vocab import LEVELS, PROBLEM_CATEGORIES, PROBLEM_SOURCES, stream
from ..events.model import NewEvent
from ..files.records import attachments_field, with_attachments
from ..limits.dates import Day
from .base import CommandSpec, Context, Decision, Handler
from .problem_rules import (
    ProblemState,
    ProjectFacts,
    check_deadline,
    check_dispatch_level,
    check_extension,
    check_not_before_raised,
    check_overdue,
    check_permission,
    check_raise,
    check_raise_on,
    fold,
    fold_project,
    leader_name,
    levels_for,
    next_level,
    require_status,
)


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("不能为空。")


def text(required: bool = True, max_length: int = 4000) -> fields.String:
    if required:
        return fields.String(required=True, validate=[not_blank, validate.Length(max=max_length)])
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


def business_day() -> Day:
    return Day(load_default=None, metadata={"description": "业务日期（默认今天，不能晚于今天）"})


class RaiseProblem(Schema):
    category = fields.String(required=True, validate=validate.OneOf(list(PROBLEM_CATEGORIES)))
    description = text()
    source = fields.String(required=True, validate=validate.OneOf(list(PROBLEM_SOURCES)))
    project = fields.String(load_default=None, allow_none=True)
    inspection = fields.String(load_default=None, allow_none=True)
    date = business_day()


class OnProblem(Schema):
    id = fields.String(required=True)


class DispatchProblem(OnProblem):
    level = fields.Integer(required=True, validate=validate.OneOf(list(LEVELS)))
    decision = text()
    responsible_unit = fields.String(required=True, validate=not_blank)
    deadline = Day(required=True)
    responsible_person = text(required=False, max_length=80)
    leader = text(required=False, max_length=80)
    meeting = fields.String(load_default=None, allow_none=True)
    date = business_day()


class EscalateProblem(OnProblem):
    reason = text()
    date = business_day()


class NoteProblem(OnProblem):
    note = text()
    attachments = attachments_field()
    date = business_day()


class ExtendDeadline(OnProblem):
    deadline = Day(required=True)
    reason = text()


class ReportResolution(OnProblem):
    description = text()
    attachments = attachments_field()
    date = business_day()


class WithReason(OnProblem):
    reason = text()
    date = business_day()


class RecordOverdue(OnProblem):
    deadline = Day(required=True)


def problem_stream(problem_id: str) -> str:
    return stream("problem", problem_id)


def _on_problem(c: dict) -> str:
    return problem_stream(c["id"])


def load_problem(ctx: Context, problem_id: str) -> ProblemState:
    return fold(ctx.require(problem_stream(problem_id), f"问题“{problem_id}”不存在。"))


def _decide(state: ProblemState, event: NewEvent) -> Decision:
    return Decision(state.id or "", problem_stream(state.id or ""), "problem", [event])


def project_facts(ctx: Context, state: ProblemState) -> ProjectFacts | None:
    """The facts of the problem's project, for the rules that need them (a leader's scope)."""
    if ctx.actor.role != LEADER or not state.project:
        return None  # only a leader's permission looks at the project: others read nothing more
    return fold_project(ctx.load(stream("project", state.project)))


def _open(ctx: Context, cmd: dict, action: str) -> tuple[ProblemState, date]:
    """The common start: the problem (404), the actor (403), the business date (400)."""
    state = load_problem(ctx, cmd["id"])
    check_permission(ctx.actor, action, state, project_facts(ctx, state))
    day = ctx.business_date(cmd)
    check_not_before_raised(state, day)
    return state, day


# -- raise --------------------------------------------------------------------
def raise_problem(ctx: Context, cmd: dict) -> Decision:
    actor = ctx.actor
    check_raise(actor, cmd["source"], cmd["project"])
    if cmd["source"] == "inspection" and not cmd["inspection"]:
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {"inspection": ["来源为督查发现时，必须指明是哪次督查。"]})
    day = ctx.business_date(cmd)
    project = None
    if cmd["project"]:
        project = fold_project(ctx.require(stream("project", cmd["project"]),
                                           f"项目“{cmd['project']}”不存在。"))
    if cmd["inspection"]:
        ctx.require(stream("inspection", cmd["inspection"]), f"督查记录“{cmd['inspection']}”不存在。")
    if project is not None:
        check_raise_on(actor, project)
    if actor.role == UNIT_REPORTER:
        # the raising unit follows its own problem until it is dispatched to someone
        unit = actor.unit
    else:
        unit = project.responsible_unit if project is not None else None
    problem_id = ctx.next_id("problem", "P", 5)
    data = {"id": problem_id, "category": cmd["category"], "description": cmd["description"],
            "source": cmd["source"], "project": cmd["project"], "inspection": cmd["inspection"],
            "unit": unit}
    return Decision(problem_id, problem_stream(problem_id), "problem",
                    [NewEvent("ProblemRaised", data, day)])


# -- dispatch and escalate ----------------------------------------------------------
def _in_charge(ctx: Context, state: ProblemState) -> str | None:
    """The leader in charge: the problem's, or before any names one, its project's (挂联领导)."""
    if state.leader or not state.project:
        return state.leader
    return fold_project(ctx.load(stream("project", state.project))).leader


def dispatch_problem(ctx: Context, cmd: dict) -> Decision:
    actor = ctx.actor
    state = load_problem(ctx, cmd["id"])
    check_permission(actor, "dispatch", state, project_facts(ctx, state))
    in_charge = _in_charge(ctx, state)
    leader = cmd["leader"] or in_charge
    if actor.role == LEADER:
        me = leader_name(actor)
        if cmd["level"] not in levels_for(actor):
            raise Forbidden("县级联系领导只能作出二级调度意见。")
        if in_charge not in (None, me) or cmd["leader"] not in (None, me):
            raise Forbidden("县级联系领导只能对本人联系（挂联）的问题、以本人名义作出调度意见。")
        leader = me
    day = ctx.business_date(cmd)
    check_not_before_raised(state, day)
    check_deadline(cmd["deadline"], day)
    ctx.require(stream("unit", cmd["responsible_unit"]), f"责任单位“{cmd['responsible_unit']}”不存在。")
    if cmd["meeting"]:
        ctx.require(stream("meeting", cmd["meeting"]), f"调度会“{cmd['meeting']}”不存在。")
    require_status(state, "dispatch")
    check_dispatch_level(state, cmd["level"])
    data = {"level": cmd["level"], "decision": cmd["decision"],
            "responsible_unit": cmd["responsible_unit"],
            "responsible_person": cmd["responsible_person"], "leader": leader,
            "meeting": cmd["meeting"], "deadline": cmd["deadline"].isoformat()}
    return _decide(state, NewEvent("ProblemDispatched", data, day))


def escalate_problem(ctx: Context, cmd: dict) -> Decision:
    state, day = _open(ctx, cmd, "escalate")
    to_level = next_level(state)
    data = {"from_level": state.level or 1, "to_level": to_level, "reason": cmd["reason"]}
    return _decide(state, NewEvent("ProblemEscalated", data, day))


# -- deadline -----------------------------------------------------------------
def extend_deadline(ctx: Context, cmd: dict) -> Decision:
    state = load_problem(ctx, cmd["id"])
    check_permission(ctx.actor, "extend", state)
    check_deadline(cmd["deadline"], ctx.today)
    check_extension(state, cmd["deadline"])
    data = {"deadline": cmd["deadline"].isoformat(), "previous": state.deadline,
            "reason": cmd["reason"]}
    return _decide(state, NewEvent("DeadlineExtended", data, ctx.today))


def record_overdue(ctx: Context, cmd: dict) -> Decision:
    """The daily job's fact: this deadline passed with the problem still open (once per deadline)."""
    state = load_problem(ctx, cmd["id"])
    check_overdue(state, cmd["deadline"], ctx.today)
    return _decide(state, NewEvent("ProblemOverdue", {"deadline": cmd["deadline"].isoformat()},
                                   ctx.today))


# -- the rest: one text field each ----------------------------------------------
def _simple(action: str, event_type: str, field_name: str) -> Handler:
    def handle(ctx: Context, cmd: dict) -> Decision:
        state, day = _open(ctx, cmd, action)
        require_status(state, action)
        data = with_attachments(ctx, cmd, {field_name: cmd[field_name]})
        return _decide(state, NewEvent(event_type, data, day))

    handle.__name__ = handle.__qualname__ = action
    return handle


note_problem = _simple("note", "ProblemNoted", "note")
urge_problem = _simple("urge", "ProblemUrged", "note")
report_resolution = _simple("report_resolution", "ResolutionReported", "description")
verify_resolution = _simple("verify", "ResolutionVerified", "note")
reject_resolution = _simple("reject", "ResolutionRejected", "reason")
reopen_problem = _simple("reopen", "ProblemReopened", "reason")
withdraw_problem = _simple("withdraw", "ProblemWithdrawn", "reason")

DECIDE = (ADMIN, DISPATCHER)
TAGS = ("问题",)


def _on(name: str, schema: type[Schema], handler: Handler, roles: tuple[str, ...], summary: str,
        suffix: str | None) -> CommandSpec:
    return CommandSpec(name, schema, handler, roles, summary, stream=_on_problem,
                       path=f"/problems/{{id}}/{suffix}" if suffix else None, tags=TAGS)


# The permission each command on a problem asks of check_permission (the pages ask it too, to
# offer only the buttons the reader may use).
PERMISSIONS = {"dispatch_problem": "dispatch", "escalate_problem": "escalate", "note_problem": "note",
               "urge_problem": "urge", "extend_deadline": "extend",
               "report_resolution": "report_resolution", "verify_resolution": "verify",
               "reject_resolution": "reject", "reopen_problem": "reopen",
               "withdraw_problem": "withdraw"}

COMMANDS = [
    CommandSpec("raise_problem", RaiseProblem, raise_problem,
                (ADMIN, DISPATCHER, LEADER, INSPECTOR, UNIT_REPORTER), "提出问题",
                path="/problems", tags=TAGS),
    _on("dispatch_problem", DispatchProblem, dispatch_problem, DECIDE + (LEADER,),
        "作出调度意见（一、二、三级调度）", "dispatch"),
    _on("escalate_problem", EscalateProblem, escalate_problem, DECIDE + (LEADER,),
        "提级调度（升一级）", "escalate"),
    _on("note_problem", NoteProblem, note_problem, DECIDE + (LEADER, UNIT_REPORTER),
        "记录办理进展", "notes"),
    _on("urge_problem", NoteProblem, urge_problem, DECIDE + (LEADER,), "催办（督办）", "urge"),
    _on("extend_deadline", ExtendDeadline, extend_deadline, DECIDE, "延长完成时限", "extend"),
    _on("report_resolution", ReportResolution, report_resolution, DECIDE + (UNIT_REPORTER,),
        "报告解决情况", "resolution"),
    _on("verify_resolution", NoteProblem, verify_resolution, DECIDE, "核验销号", "verify"),
    _on("reject_resolution", WithReason, reject_resolution, DECIDE, "退回解决情况", "reject"),
    _on("reopen_problem", WithReason, reopen_problem, DECIDE, "重新打开已销号问题", "reopen"),
    _on("withdraw_problem", WithReason, withdraw_problem, DECIDE, "撤回问题", "withdraw"),
    # no route: the scheduler's daily job runs it as the system actor
    _on("record_overdue", RecordOverdue, record_overdue, (), "记录逾期", None),
]
