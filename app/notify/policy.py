"""Who must be told what, decided from an event alone (the notification policy, 通知规则).

A rule takes the event and what the outbox remembers of its subject (the problem's unit, leader
and wording) and answers notices, each for groups of users: ``unit:CODE`` (the unit's reporters),
``leader:NAME`` (the county-level leader of that name), ``role:ROLE``. Adding a kind of event is
adding a rule to ``RULES``.
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


# -- tasks (督办事项) ---------------------------------------------------------------------------
def _task(ev: RecordedEvent, s: Subject) -> str:
    return f"督办事项 {_key(ev)}（{s.get('title') or ''}）"


def _units(d: dict) -> tuple[str, ...]:
    return tuple(unit(u) for u in [d["lead_unit"], *d.get("co_units", [])])


def _task_assigned(ev, s):
    d = ev.data
    return [Notice(_units(d), f"【督办】{_task(ev, s)}已交办贵单位",
                   f"{d['notice_number']}：{d['title']}\n完成时限：{d['deadline']}\n"
                   f"牵头单位：{d['lead_unit']}" + (f"；配合单位：{'、'.join(d['co_units'])}"
                                                 if d.get("co_units") else ""))]


def _task_reassigned(ev, s):
    d = ev.data
    return [Notice(_units(d), f"【重新交办】{_task(ev, s)}改由 {d['lead_unit']} 牵头",
                   f"{d['notice_number']}；完成时限：{d['deadline']}。原因：{d['reason']}")]


def _task_urged(ev, s):
    d = ev.data
    return [Notice(_units(d), f"【催办】{_task(ev, s)}", f"{d['notice_number']}：{d['note']}")]


def _task_extension_decided(ev, s):
    d = ev.data
    verdict = f"同意延期至 {d['deadline']}" if d["approve"] else f"不同意延期，完成时限仍为 {d['previous']}"
    return [Notice((unit(d["lead_unit"]),), f"【延期审批】{_task(ev, s)}{verdict}", d["note"])]


def _task_completion_reported(ev, s):
    return [Notice((role("dispatcher"),), f"【待审核】{_task(ev, s)}已报告办结", ev.data["report"])]


def _task_returned(ev, s):
    return [Notice((role("dispatcher"),), f"【退回】{_task(ev, s)}被 {ev.data['unit']} 退回，待重新交办",
                   f"原因：{ev.data['reason']}")]


def _task_accepted(ev, s):
    return [Notice((unit(ev.data["lead_unit"]),), f"【已销号】{_task(ev, s)}办结已审核通过",
                   ev.data["note"])]


def _task_sent_back(ev, s):
    return [Notice((unit(ev.data["lead_unit"]),), f"【退回重办】{_task(ev, s)}办结未通过审核",
                   f"原因：{ev.data['reason']}")]


def _task_light(ev, s):
    light = ev.data["light"]
    if light == "red":
        return [Notice((unit(s.get("unit")), role("dispatcher")), f"【逾期】{_task(ev, s)}已超过完成时限",
                       "事项尚未办结，已亮红灯。")]
    if light == "yellow":
        return [Notice((unit(s.get("unit")),), f"【提醒】{_task(ev, s)}亮黄灯",
                       "完成时限临近、阶段反馈逾期或尚未签收，请及时办理。")]
    return []


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
    "TaskAssigned": _task_assigned,
    "TaskReassigned": _task_reassigned,
    "TaskUrged": _task_urged,
    "TaskExtensionDecided": _task_extension_decided,
    "TaskCompletionReported": _task_completion_reported,
    "TaskReturned": _task_returned,
    "TaskCompletionAccepted": _task_accepted,
    "TaskSentBack": _task_sent_back,
    "TaskLightChanged": _task_light,
}
