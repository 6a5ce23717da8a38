"""A task's life (督办事项: 交办 → 签收 → 反馈 → 催办 → 办结 → 销号) as a pure fold over its stream,
and the light (红黄绿灯): no I/O, tested on its own.

The handlers in ``tasks.py`` load the stream, fold it into a ``TaskState`` and ask this module
whether the actor may act and whether the state allows it. Every refusal is the Chinese message the
API answers with.
"""
from __future__ import annotations

import calendar as _months
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Protocol

from ..domain.actors import ADMIN, DISPATCHER, LEADER, UNIT_REPORTER, Actor
from ..domain.errors import Forbidden, InvalidCommand, NotAllowed
from ..domain.statuses import Light, TaskStatus
from ..domain.vocab import TASK_STATUSES
from ..workdays import WorkCalendar

ASSIGNED, IN_PROGRESS, RETURNED, AWAITING, COMPLETED, WITHDRAWN = (
    TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED,
    TaskStatus.AWAITING_ACCEPTANCE, TaskStatus.COMPLETED, TaskStatus.WITHDRAWN)
CLOSED = TaskStatus.CLOSED
RED, YELLOW, GREEN = Light.RED, Light.YELLOW, Light.GREEN
LIGHTS = {RED: "红灯", YELLOW: "黄灯", GREEN: "绿灯"}
DEFAULT_WARN_WORKDAYS, DEFAULT_ACK_WORKDAYS = 3, 2


class EventLike(Protocol):
    type: str
    data: dict[str, Any]


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class TaskState:
    """What the rules need to know about one task, folded from its events."""

    id: str | None = None
    status: str | None = None  # None: never registered
    source: str | None = None
    lead_unit: str | None = None
    co_units: list[str] = field(default_factory=list)
    leader: str | None = None
    deadline: str | None = None
    feedback_cycle: str = "none"
    registered_on: str | None = None
    assigned_on: str | None = None  # the latest (re)assignment: the acknowledgement clock
    acknowledged: set[str] = field(default_factory=set)  # units that acknowledged this assignment
    lead_acknowledged_on: str | None = None
    last_feedback_on: str | None = None  # the lead unit's latest feedback
    requested_deadline: str | None = None  # an extension asked for and not yet decided
    version: int = 0

    def apply(self, event: EventLike) -> "TaskState":
        d, t = event.data, event.type
        day = _day(getattr(event, "business_date", None))
        if t == "TaskAssigned":
            self.id, self.status, self.source = d["id"], ASSIGNED, d["source"]
            self.lead_unit, self.co_units = d["lead_unit"], list(d.get("co_units") or [])
            self.leader, self.deadline = d.get("leader"), d["deadline"]
            self.feedback_cycle = d.get("feedback_cycle") or "none"
            self.registered_on = self.assigned_on = day
        elif t == "TaskReassigned":
            self.status, self.lead_unit = ASSIGNED, d["lead_unit"]
            self.co_units, self.deadline = list(d.get("co_units") or []), d["deadline"]
            self.assigned_on, self.lead_acknowledged_on = day, None
            self.acknowledged = set()
            self.requested_deadline = None
        elif t == "TaskAcknowledged":
            self.acknowledged.add(d["unit"])
            if d["unit"] == self.lead_unit:
                self.status, self.lead_acknowledged_on = IN_PROGRESS, day
        elif t == "TaskReturned":
            self.status = RETURNED
        elif t == "TaskFeedbackGiven":
            if d["unit"] == self.lead_unit:
                self.last_feedback_on = day
        elif t == "TaskExtensionRequested":
            self.requested_deadline = d["deadline"]
        elif t == "TaskExtensionDecided":
            if d["approve"]:
                self.deadline = d["deadline"]
            self.requested_deadline = None
        elif t == "TaskCompletionReported":
            self.status = AWAITING
        elif t == "TaskCompletionAccepted":
            self.status = COMPLETED
        elif t == "TaskSentBack":
            self.status = IN_PROGRESS
        elif t == "TaskEvaluated":
            if d["rating"] == "unsatisfied":
                self.status = IN_PROGRESS
        elif t == "TaskWithdrawn":
            self.status = WITHDRAWN
        # TaskUrged and TaskLightChanged change nothing the rules look at (the daily job decides
        # the light from the ledger row).
        self.version += 1
        return self


def fold(events: Iterable[EventLike]) -> TaskState:
    state = TaskState()
    for ev in events:
        state.apply(ev)
    return state


# -- the light (红黄绿灯) ---------------------------------------------------------------
def feedback_due(cycle: str | None, since: date, cal: WorkCalendar) -> date | None:
    """The day the next feedback is due after ``since`` (the latest feedback, else the
    acknowledgement, else the assignment): a week or a calendar month later, moved on to the next
    working day when that day is not one. None: no rhythm."""
    if cycle == "weekly":
        due = since + timedelta(days=7)
    elif cycle == "monthly":
        year, month = (since.year + 1, 1) if since.month == 12 else (since.year, since.month + 1)
        due = date(year, month, min(since.day, _months.monthrange(year, month)[1]))
    else:
        return None
    return cal.on_or_after(due)


def deadline_light(open_: bool, deadline: str | None, today: date, cal: WorkCalendar,
                   warn_workdays: int = DEFAULT_WARN_WORKDAYS) -> str | None:
    """The part of the light every deadline shares (tasks and problems alike): None when closed,
    red when the deadline has passed, yellow when it is within ``warn_workdays`` working days."""
    if not open_:
        return None
    if deadline is None:
        return GREEN
    due = date.fromisoformat(deadline)
    if due < today:
        return RED
    if cal.count(today, due, stop=warn_workdays + 1) <= warn_workdays:
        return YELLOW
    return GREEN


def task_light(status: str | None, deadline: str | None, assigned_on: str | None,
               lead_acknowledged_on: str | None, feedback_cycle: str | None,
               last_feedback_on: str | None, today: date, cal: WorkCalendar,
               warn_workdays: int = DEFAULT_WARN_WORKDAYS,
               ack_workdays: int = DEFAULT_ACK_WORKDAYS) -> str | None:
    """API.md's light of a task on ``today``."""
    light = deadline_light(status not in CLOSED, deadline, today, cal, warn_workdays)
    if light != GREEN:
        return light
    if status == ASSIGNED and assigned_on and \
            cal.count(date.fromisoformat(assigned_on), today, stop=ack_workdays + 1) > ack_workdays:
        return YELLOW
    if status in (ASSIGNED, IN_PROGRESS):
        since = last_feedback_on or lead_acknowledged_on or assigned_on
        due = feedback_due(feedback_cycle, date.fromisoformat(since), cal) if since else None
        if due is not None and today > due:
            return YELLOW
    return GREEN


# -- state ------------------------------------------------------------------------------
# action -> (statuses it is allowed from, the verb the refusal names)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((ASSIGNED, IN_PROGRESS), "签收"),
    "return": ((ASSIGNED, IN_PROGRESS), "退回"),
    "reassign": ((ASSIGNED, IN_PROGRESS, RETURNED), "重新交办"),
    "feedback": ((ASSIGNED, IN_PROGRESS), "反馈进展"),
    "urge": ((ASSIGNED, IN_PROGRESS, RETURNED), "催办"),
    "extension_request": ((ASSIGNED, IN_PROGRESS), "申请延期"),
    "extension_decision": ((ASSIGNED, IN_PROGRESS, RETURNED, AWAITING), "审批延期"),
    "completion": ((IN_PROGRESS,), "报告办结"),
    "accept": ((AWAITING,), "审核办结"),
    "send_back": ((AWAITING,), "退回重办"),
    "evaluation": ((COMPLETED,), "评价满意度"),
    "withdraw": ((ASSIGNED, IN_PROGRESS, RETURNED, AWAITING), "撤销"),
}

_HINTS = {
    ("completion", ASSIGNED): "尚未签收，",
    ("completion", AWAITING): "已报告办结、正待审核，",
    ("accept", IN_PROGRESS): "尚未报告办结，",
    ("accept", ASSIGNED): "尚未报告办结，",
    ("send_back", IN_PROGRESS): "尚未报告办结，",
    ("send_back", ASSIGNED): "尚未报告办结，",
    ("evaluation", AWAITING): "尚未审核办结，",
    ("evaluation", IN_PROGRESS): "尚未办结，",
    ("evaluation", ASSIGNED): "尚未办结，",
    ("feedback", RETURNED): "已退回、等待重新交办，",
    ("acknowledge", RETURNED): "已退回、等待重新交办，",
}


def status_name(status: str | None) -> str:
    return TASK_STATUSES.get(status or "", "不存在")


def require_status(state: TaskState, action: str) -> None:
    """422 unless the task's status allows the action; the message names the status."""
    allowed, verb = ACTIONS[action]
    if state.status not in allowed:
        hint = _HINTS.get((action, state.status), "")
        raise NotAllowed(f"督办事项 {state.id} 当前状态为“{status_name(state.status)}”，{hint}不能{verb}。")


def invalid(field_name: str, message: str) -> InvalidCommand:
    return InvalidCommand("输入有误，请检查标出的字段。", {field_name: [message]})


def check_not_before_registered(state: TaskState, day: date, field_name: str = "date") -> None:
    if state.registered_on and day.isoformat() < state.registered_on:
        raise invalid(field_name, f"业务日期不能早于交办日期（{state.registered_on}）。")


def check_deadline(deadline: date, day: date, field_name: str = "deadline") -> None:
    if deadline < day:
        raise invalid(field_name, f"办理时限不能早于 {day.isoformat()}。")


def check_co_units(lead_unit: str, co_units: list[str]) -> list[str]:
    """Co-units in the order given, each once; the lead unit cannot also be a co-unit (400)."""
    if lead_unit in co_units:
        raise invalid("co_units", "牵头单位不能同时是配合单位。")
    seen: list[str] = []
    for u in co_units:
        if u not in seen:
            seen.append(u)
    return seen


# -- who may act --------------------------------------------------------------------------
DECIDERS = (ADMIN, DISPATCHER, "system")


def leader_name(actor: Actor) -> str:
    return actor.display_name or actor.username


def check_permission(actor: Actor, action: str, state: TaskState) -> None:
    """403 unless the actor may take this action on this task (state aside).

    A unit reporter acts only for its own unit: the lead unit acknowledges, returns, gives
    feedback, asks for an extension and reports completion; a co-unit acknowledges and gives
    feedback. Dispatchers (and admins) decide; a leader urges the tasks they lead.
    """
    role = actor.role
    if role == UNIT_REPORTER and action in ("acknowledge", "feedback", "return",
                                            "extension_request", "completion"):
        if actor.unit and actor.unit == state.lead_unit:
            return
        if actor.unit and actor.unit in state.co_units and action in ("acknowledge", "feedback"):
            return
        if actor.unit and actor.unit in state.co_units:
            raise Forbidden("配合单位只能签收和反馈进展，此操作由牵头单位办理。")
        raise Forbidden("只能办理本单位牵头或配合的督办事项。")
    if role in DECIDERS and action not in ("acknowledge", "feedback", "return",
                                           "extension_request", "completion"):
        return
    if role == LEADER and action == "urge":
        if state.leader and state.leader == leader_name(actor):
            return
        raise Forbidden("只能催办本人牵头督办（联系）的事项。")
    if role in DECIDERS:
        raise Forbidden("签收、反馈、申请延期和报告办结由承办单位填报员办理。")
    raise Forbidden("您的角色无权执行此操作。")


def acting_unit(actor: Actor, state: TaskState) -> str:
    """The unit a unit reporter acts for (its own), once ``check_permission`` has passed."""
    return actor.unit or ""


def check_acknowledge(state: TaskState, unit: str) -> None:
    require_status(state, "acknowledge")
    if unit in state.acknowledged:
        raise NotAllowed(f"本单位已签收督办事项 {state.id}，无需重复签收。")


def check_extension_request(state: TaskState, deadline: date) -> None:
    require_status(state, "extension_request")
    if state.requested_deadline:
        raise NotAllowed(f"督办事项 {state.id} 已有待审批的延期申请（申请延至 {state.requested_deadline}）。")
    if state.deadline and deadline.isoformat() <= state.deadline:
        # as for a problem's extension: what the current deadline allows is a matter of state
        raise NotAllowed(f"申请的办理时限须晚于当前时限（{state.deadline}）。")


def check_extension_decision(state: TaskState) -> None:
    require_status(state, "extension_decision")
    if not state.requested_deadline:
        raise NotAllowed(f"督办事项 {state.id} 没有待审批的延期申请。")
