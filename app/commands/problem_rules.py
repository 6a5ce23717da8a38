"""A problem's life (问题全生命周期) as a pure fold over its stream: no I/O, tested on its own.

The handlers in ``problems.py`` load the stream, fold it into a ``ProblemState`` and ask this
module whether the actor may act and whether the state allows it. Every refusal here is the
Chinese message the API answers with.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Protocol

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER, Actor
from ..domain.errors import Forbidden, InvalidCommand, NotAllowed
from ..domain.statuses import ProblemStatus
from ..domain.vocab import LEVELS, PROBLEM_STATUSES
from ..events.chain import decode_json

RAISED, IN_PROGRESS, AWAITING, RESOLVED, WITHDRAWN = (
    ProblemStatus.RAISED, ProblemStatus.IN_PROGRESS, ProblemStatus.AWAITING_VERIFICATION,
    ProblemStatus.RESOLVED, ProblemStatus.WITHDRAWN)
OPEN = ProblemStatus.OPEN
TOP_LEVEL = max(LEVELS)


class EventLike(Protocol):
    type: str
    data: dict[str, Any]


@dataclass
class ProblemState:
    """What the rules need to know about one problem, folded from its events."""

    id: str | None = None
    status: str | None = None  # None: never raised
    level: int | None = None  # None until first dispatched
    project: str | None = None
    inspection: str | None = None
    unit: str | None = None
    responsible_unit: str | None = None
    responsible_person: str | None = None
    leader: str | None = None
    deadline: str | None = None  # YYYY-MM-DD
    overdue_for: set[str] = field(default_factory=set)  # deadlines an overdue fact exists for
    raised_on: str | None = None
    resolution_by: str | None = None  # who reported the resolution awaiting verification
    version: int = 0

    @property
    def owner_unit(self) -> str | None:
        """The unit that must act: the responsible unit once dispatched, before that the raising unit."""
        return self.responsible_unit or self.unit

    def apply(self, event: EventLike) -> "ProblemState":
        d = event.data
        t = event.type
        if t == "ProblemRaised":
            self.id, self.status = d["id"], RAISED
            day = getattr(event, "business_date", None)
            self.raised_on = day.isoformat() if isinstance(day, date) else day
            self.project, self.inspection, self.unit = d.get("project"), d.get("inspection"), d.get("unit")
        elif t == "ProblemDispatched":
            self.status, self.level, self.deadline = IN_PROGRESS, d["level"], d["deadline"]
            self.responsible_unit = d["responsible_unit"]
            self.responsible_person, self.leader = d.get("responsible_person"), d.get("leader")
        elif t == "ProblemEscalated":
            self.level = d["to_level"]
        elif t == "DeadlineExtended":
            self.deadline = d["deadline"]
        elif t == "ResolutionReported":
            self.status = AWAITING
            self.resolution_by = recorded_by(event)
        elif t == "ResolutionVerified":
            self.status = RESOLVED
        elif t in ("ResolutionRejected", "ProblemReopened"):
            self.status = IN_PROGRESS
        elif t == "ProblemWithdrawn":
            self.status = WITHDRAWN
        elif t == "ProblemOverdue":
            self.overdue_for.add(d["deadline"])
        # ProblemNoted and ProblemUrged change nothing the rules look at.
        self.version += 1
        return self


def recorded_by(event: EventLike) -> str | None:
    """The user who recorded an event, from its metadata where the event carries it (a stored
    event read with its chain does; a bare test event may not)."""
    if hasattr(event, "meta_text"):
        text = event.meta_text  # type: ignore[attr-defined]
        return decode_json(text).get("actor") if text else None
    meta = getattr(event, "meta", None)
    return meta.get("actor") if isinstance(meta, dict) else None


def fold(events: Iterable[EventLike]) -> ProblemState:
    state = ProblemState()
    for ev in events:
        state.apply(ev)
    return state


# -- state ------------------------------------------------------------------
# action -> (statuses it is allowed from, the verb the refusal names)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatch": ((RAISED, IN_PROGRESS), "作出调度意见"),
    "escalate": ((IN_PROGRESS,), "提级调度"),
    "note": (OPEN, "记录进展"),
    "urge": ((IN_PROGRESS, AWAITING), "催办"),
    "extend": ((IN_PROGRESS,), "延长完成时限"),
    "report_resolution": ((IN_PROGRESS,), "报告解决情况"),
    "verify": ((AWAITING,), "核验销号"),
    "reject": ((AWAITING,), "退回解决情况"),
    "reopen": ((RESOLVED,), "重新打开"),
    "withdraw": ((RAISED, IN_PROGRESS), "撤回"),
    "overdue": ((IN_PROGRESS, AWAITING), "记录逾期"),
}

# A word on why, where the status name alone does not say it.
_HINTS = {
    ("verify", RAISED): "尚未调度、也未报告解决情况，",
    ("verify", IN_PROGRESS): "尚未报告解决情况，",
    ("reject", RAISED): "尚未报告解决情况，",
    ("reject", IN_PROGRESS): "尚未报告解决情况，",
    ("report_resolution", RAISED): "尚未调度，",
    ("report_resolution", AWAITING): "已报告解决情况、正待核验，",
    ("escalate", RAISED): "尚未调度，",
    ("extend", RAISED): "尚未调度、没有完成时限，",
    ("urge", RAISED): "尚未调度，",
    ("dispatch", AWAITING): "已报告解决情况，请先核验或退回，",
}


def status_name(status: str | None) -> str:
    return PROBLEM_STATUSES.get(status or "", "不存在")


def require_status(state: ProblemState, action: str) -> None:
    """422 unless the problem's status allows the action; the message names the status."""
    allowed, verb = ACTIONS[action]
    if state.status not in allowed:
        hint = _HINTS.get((action, state.status), "")
        raise NotAllowed(f"问题 {state.id} 当前状态为“{status_name(state.status)}”，{hint}不能{verb}。")


def check_not_before_raised(state: ProblemState, day: date, field_name: str = "date") -> None:
    """400: nothing can happen to a problem before the day it was raised."""
    if state.raised_on and day.isoformat() < state.raised_on:
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {field_name: [f"业务日期不能早于问题提出日期（{state.raised_on}）。"]})


def check_deadline(deadline: date, day: date, field_name: str = "deadline") -> None:
    """400: a deadline before the day it is set on is a typing error, not a plan."""
    if deadline < day:
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {field_name: [f"完成时限不能早于 {day.isoformat()}。"]})


LEADER_LEVEL = 2  # a leader decides at the level-2 meeting (二级调度) only


def levels_for(actor: Actor) -> dict[int, str]:
    """The dispatch levels an actor may decide at."""
    if actor.role == LEADER:
        return {LEADER_LEVEL: LEVELS[LEADER_LEVEL]}
    return dict(LEVELS)


def check_dispatch_level(state: ProblemState, level: int) -> None:
    if state.level is not None and level < state.level:
        raise NotAllowed(f"问题 {state.id} 当前为{LEVELS[state.level]}，调度级别不能降为{LEVELS[level]}。")


def next_level(state: ProblemState) -> int:
    """The level an escalation goes to (one up); 422 at the top."""
    require_status(state, "escalate")
    current = state.level or 1
    if current >= TOP_LEVEL:
        raise NotAllowed(f"问题 {state.id} 已是{LEVELS[TOP_LEVEL]}，不能再提级。")
    return current + 1


def check_extension(state: ProblemState, deadline: date) -> None:
    require_status(state, "extend")
    if state.deadline and deadline.isoformat() <= state.deadline:
        raise NotAllowed(f"新的完成时限须晚于当前完成时限（{state.deadline}）。")


def check_overdue(state: ProblemState, deadline: date, today: date) -> None:
    """An overdue fact is recorded once per deadline, and only once that deadline has passed."""
    require_status(state, "overdue")
    day = deadline.isoformat()
    if state.deadline != day:
        raise NotAllowed(f"问题 {state.id} 的当前完成时限是 {state.deadline}，不是 {day}。")
    if deadline >= today:
        raise NotAllowed(f"完成时限 {day} 尚未过去，不能记录逾期。")
    if day in state.overdue_for:
        raise NotAllowed(f"问题 {state.id} 已就完成时限 {day} 记录过逾期。")


# -- who may act --------------------------------------------------------------
# Roles that decide everything on a problem (the dispatcher; the admin as the fallback).
DECIDERS = (ADMIN, DISPATCHER, "system")


def leader_name(actor: Actor) -> str:
    """A leader is known on projects and problems by name (挂联领导)."""
    return actor.display_name or actor.username


def leads(actor: Actor, project: "ProjectFacts | None") -> bool:
    """Whether the project is one the leader leads (挂联): a problem with no project, or on a project
    without a leader, is no leader's."""
    return (project is not None and project.leader is not None
            and project.leader == leader_name(actor))


# What a leader decides on the projects they lead (API.md, "Security": scope).
LEADER_SCOPED = ("dispatch", "escalate", "urge")


def check_permission(actor: Actor, action: str, state: ProblemState,
                     project: "ProjectFacts | None" = None) -> None:
    """403 unless the actor may take this action on this problem (state aside). ``project``: the
    facts of the problem's project, which a leader's actions need (None: no project)."""
    role = actor.role
    if action in ("verify", "reject") and role != "system" \
            and state.resolution_by == actor.username:
        raise Forbidden("解决情况须由报告人以外的人员核验或退回。")
    if role in DECIDERS:
        return
    if role == INSPECTOR:
        raise Forbidden("纪检督查人员可以查阅和登记督查发现的问题，但不能改变调度结果。")
    if role == UNIT_REPORTER and action in ("note", "report_resolution"):
        if actor.unit and actor.unit == state.owner_unit:
            return
        raise Forbidden("只能处理本单位负责的问题。")
    if role == LEADER and action in LEADER_SCOPED and not leads(actor, project):
        raise Forbidden("县级联系领导只能处理本人联系（挂联）项目上的问题。")
    if role == LEADER and action in ("note", "urge", "escalate"):
        if state.leader and state.leader == leader_name(actor):
            return
        raise Forbidden("只能处理本人联系（挂联）的问题。")
    if role == LEADER and action == "dispatch":
        if state.leader in (None, leader_name(actor)):
            return
        raise Forbidden("只能对本人联系（挂联）的问题作出调度意见。")
    raise Forbidden("您的角色无权执行此操作。")


def check_raise(actor: Actor, source: str, project: str | None) -> None:
    """403 unless the actor may raise a problem of this source, with or without a project (before
    anything is read): an inspector only what inspections found; a unit reporter only what its
    unit reports, on a project; a leader only on a project."""
    role = actor.role
    if role == INSPECTOR and source != "inspection":
        raise Forbidden("纪检督查人员只能登记督查发现的问题。")
    if role == UNIT_REPORTER:
        if source != "unit_report":
            raise Forbidden("单位填报员只能提出本单位上报（unit_report）的问题。")
        if project is None:
            raise Forbidden("单位填报员提出问题须指明本单位的项目。")
    if role == LEADER and project is None:
        raise Forbidden("县级联系领导只能就本人联系（挂联）的项目提出问题。")


def check_raise_on(actor: Actor, project: "ProjectFacts") -> None:
    """403 unless the project is the actor's to raise problems on: a unit reporter's unit owns or
    answers for it; a leader leads it."""
    if actor.role == UNIT_REPORTER and actor.unit not in project.units:
        raise Forbidden("只能为本单位（业主或责任单位）的项目提出问题。")
    if actor.role == LEADER and not leads(actor, project):
        raise Forbidden("县级联系领导只能就本人联系（挂联）的项目提出问题。")


# -- projects, as far as problems need them -----------------------------------
@dataclass
class ProjectFacts:
    code: str | None = None
    owner_unit: str | None = None
    responsible_unit: str | None = None
    leader: str | None = None

    @property
    def units(self) -> tuple[str | None, str | None]:
        return (self.owner_unit, self.responsible_unit)


def fold_project(events: Iterable[EventLike]) -> ProjectFacts:
    """Who owns, answers for and leads a project, from its stream (``project:<code>``)."""
    facts = ProjectFacts()
    for ev in events:
        d = ev.data
        if ev.type == "ProjectRegistered":
            facts.code, facts.owner_unit = d["code"], d["owner_unit"]
            facts.responsible_unit, facts.leader = d["responsible_unit"], d.get("leader")
        elif ev.type == "LeaderAssigned":
            facts.leader = d["leader"]
    return facts
