"""Who must be told what, decided from an event alone (the notification policy, 通知规则).

A rule takes the event and what the outbox remembers of its subject (the problem's unit, leader
and wording) and answers notices, each for groups of users: ``unit:CODE`` (the unit's reporters),
``leader:NAME`` (the county-level leader of that name), ``role:ROLE``. Adding a kind of event is
adding a rule; the task stream's, for instance::

    RULES["TaskAssigned"] = lambda ev, s: [Notice((unit(ev.data["lead_unit"]),),
                                                  f"【督办】新交办事项 {ev.data['id']}", ev.data["title"])]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..events.model import RecordedEvent


@dataclass(frozen=True)
class Notice:
    groups: tuple[str, ...]
    title: str
    body: str


def unit(code: str | None) -> str:
    return f"unit:{code}"


def leader(name: str | None) -> str:
    return f"leader:{name}"


def role(name: str) -> str:
    return f"role:{name}"


Subject = dict  # {"unit", "leader", "title"} of the thing the event is about, as the outbox knows it
Rule = Callable[[RecordedEvent, Subject], list[Notice]]

# Where a message links to, per kind of stream (the staff pages).
LINKS = {
    "problem": "/admin/problem-timeline/?id={key}",
    "project": "/admin/project-timeline/?code={key}",
    "task": "/admin/task-timeline/?id={key}",
}


def link_of(stream_id: str) -> str:
    kind, _, key = stream_id.partition(":")
    pattern = LINKS.get(kind)
    return pattern.format(key=key) if pattern else "/admin/"


def _key(ev: RecordedEvent) -> str:
    return ev.stream_id.partition(":")[2]


def _about(ev: RecordedEvent, s: Subject) -> str:
    return f"问题 {_key(ev)}（{s.get('title') or ''}）"


def _dispatched(ev, s):
    d = ev.data
    return [Notice((unit(d["responsible_unit"]),), f"【交办】{_about(ev, s)}已交由贵单位办理",
                   f"调度意见：{d['decision']}\n完成时限：{d['deadline']}"
                   + (f"\n责任人：{d['responsible_person']}" if d.get("responsible_person") else ""))]


def _urged(ev, s):
    return [Notice((unit(s.get("unit")),), f"【催办】{_about(ev, s)}", ev.data["note"])]


def _escalated(ev, s):
    d = ev.data
    groups = (leader(s["leader"]),) if s.get("leader") else ()
    if d["to_level"] == 3:
        groups += (role("dispatcher"),)
    return [Notice(groups, f"【提级调度】{_about(ev, s)}升为{d['to_level']}级调度",
                   f"原因：{d['reason']}")]


def _overdue(ev, s):
    return [Notice((unit(s.get("unit")), role("dispatcher")), f"【逾期】{_about(ev, s)}已超过完成时限",
                   f"完成时限 {ev.data['deadline']} 已过，问题尚未办结。")]


def _deadline_near(ev, s):
    d = ev.data
    when = "今天" if d["days_left"] == 0 else f"{d['days_left']} 天后"
    return [Notice((unit(s.get("unit")),), f"【临期提醒】{_about(ev, s)}完成时限将至",
                   f"完成时限 {d['deadline']}（{when}）到期，请抓紧办理并报告解决情况。")]


def _extended(ev, s):
    d = ev.data
    return [Notice((unit(s.get("unit")),), f"【延期】{_about(ev, s)}完成时限已延长",
                   f"完成时限由 {d['previous']} 延至 {d['deadline']}。原因：{d['reason']}")]


def _reported(ev, s):
    return [Notice((role("dispatcher"),), f"【待核验】{_about(ev, s)}已报告解决",
                   ev.data["description"])]


def _verified(ev, s):
    return [Notice((unit(s.get("unit")),), f"【已销号】{_about(ev, s)}解决情况已核验通过",
                   ev.data["note"])]


def _rejected(ev, s):
    return [Notice((unit(s.get("unit")),), f"【退回重办】{_about(ev, s)}解决情况未通过核验",
                   f"原因：{ev.data['reason']}")]


def _progress_reminder(ev, s):
    d = ev.data
    names = "、".join(p.get("name") or p["project"] for p in d["projects"])
    return [Notice((unit(d["unit"]),), f"【催报】请填报 {d['period']} 月度进度",
                   f"以下项目尚未填报 {d['period']} 进度：{names}")]


RULES: dict[str, Rule] = {
    "ProblemDispatched": _dispatched,
    "ProblemUrged": _urged,
    "ProblemEscalated": _escalated,
    "ProblemOverdue": _overdue,
    "ProblemDeadlineNear": _deadline_near,
    "DeadlineExtended": _extended,
    "ResolutionReported": _reported,
    "ResolutionVerified": _verified,
    "ResolutionRejected": _rejected,
    "ProgressReminderIssued": _progress_reminder,
}
