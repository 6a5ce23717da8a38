"""The problem state machine on its own: given events, which actions and actors are allowed."""
from datetime import date

import pytest

from app.commands.problem_rules import (
    ACTIONS,
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
    next_level,
    require_status,
)
from app.domain.actors import Actor
from app.domain.errors import Forbidden, InvalidCommand, NotAllowed
from app.events.model import NewEvent

RAISED = NewEvent("ProblemRaised", {"id": "P00001", "category": "land", "description": "用地指标不足",
                                    "source": "unit_report", "project": "XM001",
                                    "inspection": None, "unit": "U01"}, date(2026, 3, 1))


def dispatched(level: int = 1, deadline: str = "2026-04-30", leader: str | None = "王强") -> NewEvent:
    return NewEvent("ProblemDispatched", {
        "level": level, "decision": "协调自然资源局调剂指标", "responsible_unit": "U02",
        "responsible_person": "李四", "leader": leader, "meeting": None, "deadline": deadline})


def ev(kind: str, **data) -> NewEvent:
    return NewEvent(kind, data)


def allowed(state) -> set[str]:
    out = set()
    for action in ACTIONS:
        try:
            require_status(state, action)
            out.add(action)
        except NotAllowed:
            pass
    return out


def test_the_whole_life():
    s = fold([RAISED])
    assert (s.status, s.level, s.owner_unit, s.raised_on, s.version) == (
        "raised", None, "U01", "2026-03-01", 1)
    assert allowed(s) == {"dispatch", "note", "withdraw"}
    s.apply(dispatched())
    assert (s.status, s.level, s.owner_unit, s.deadline) == ("in_progress", 1, "U02", "2026-04-30")
    assert allowed(s) == {"dispatch", "escalate", "note", "urge", "extend", "report_resolution",
                          "withdraw", "overdue"}
    assert next_level(s) == 2
    s.apply(ev("ProblemEscalated", from_level=1, to_level=2, reason="一级未解决"))
    s.apply(ev("ResolutionReported", description="已调剂"))
    assert s.status == "awaiting_verification"
    assert allowed(s) == {"note", "urge", "verify", "reject", "overdue"}
    s.apply(ev("ResolutionRejected", reason="未落实"))
    assert s.status == "in_progress"
    s.apply(ev("ResolutionReported", description="已落实"))
    s.apply(ev("ResolutionVerified", note="核实"))
    assert s.status == "resolved" and allowed(s) == {"reopen"}
    s.apply(ev("ProblemReopened", reason="反弹"))
    assert s.status == "in_progress" and s.level == 2 and s.version == 8


def test_withdrawn_allows_nothing():
    s = fold([RAISED, ev("ProblemWithdrawn", reason="重复")])
    assert allowed(s) == set()
    with pytest.raises(NotAllowed, match="已撤回"):
        require_status(s, "note")


def test_verify_before_resolution_names_the_status():
    s = fold([RAISED, dispatched()])
    with pytest.raises(NotAllowed) as exc:
        require_status(s, "verify")
    assert exc.value.message == "问题 P00001 当前状态为“办理中”，尚未报告解决情况，不能核验销号。"


def test_levels():
    s = fold([RAISED, dispatched(level=2)])
    with pytest.raises(NotAllowed, match="不能降为一级调度"):
        check_dispatch_level(s, 1)
    check_dispatch_level(s, 2)
    s.apply(ev("ProblemEscalated", from_level=2, to_level=3, reason="难"))
    with pytest.raises(NotAllowed, match="已是三级调度"):
        next_level(s)


def test_deadlines_and_overdue():
    s = fold([RAISED, dispatched(deadline="2026-04-30")])
    with pytest.raises(NotAllowed, match="须晚于当前完成时限"):
        check_extension(s, date(2026, 4, 30))
    check_extension(s, date(2026, 5, 1))
    with pytest.raises(InvalidCommand):
        check_deadline(date(2026, 3, 31), date(2026, 4, 1))
    with pytest.raises(InvalidCommand):
        check_not_before_raised(s, date(2026, 2, 28))
    with pytest.raises(NotAllowed, match="尚未过去"):
        check_overdue(s, date(2026, 4, 30), today=date(2026, 4, 30))
    with pytest.raises(NotAllowed, match="当前完成时限"):
        check_overdue(s, date(2026, 4, 29), today=date(2026, 5, 2))
    check_overdue(s, date(2026, 4, 30), today=date(2026, 5, 1))
    s.apply(ev("ProblemOverdue", deadline="2026-04-30"))
    with pytest.raises(NotAllowed, match="已就完成时限"):
        check_overdue(s, date(2026, 4, 30), today=date(2026, 5, 1))
    # a new deadline may become overdue once more
    s.apply(ev("DeadlineExtended", deadline="2026-05-31", previous="2026-04-30", reason="延期"))
    check_overdue(s, date(2026, 5, 31), today=date(2026, 6, 1))


def test_permissions():
    raised = fold([RAISED])
    s = fold([RAISED, dispatched(leader="王强")])
    for role in ("admin", "dispatcher"):
        check_permission(Actor("x", role), "verify", s)
    with pytest.raises(Forbidden, match="不能改变调度结果"):
        check_permission(Actor("i", "inspector"), "dispatch", s)
    # unit reporter: the raising unit before dispatch, the responsible unit after
    check_permission(Actor("r", "unit_reporter", "U01"), "note", raised)
    check_permission(Actor("r", "unit_reporter", "U02"), "report_resolution", s)
    with pytest.raises(Forbidden, match="本单位"):
        check_permission(Actor("r", "unit_reporter", "U01"), "report_resolution", s)
    with pytest.raises(Forbidden):
        check_permission(Actor("r", "unit_reporter", "U02"), "verify", s)
    # leader: by name, on their own problems of the projects they lead
    led_by_wq = ProjectFacts("XM001", "E01", "U01", "王强")
    check_permission(Actor("wq", "leader", display_name="王强"), "urge", s, led_by_wq)
    check_permission(Actor("王强", "leader"), "escalate", s, led_by_wq)
    with pytest.raises(Forbidden, match="挂联"):
        check_permission(Actor("zs", "leader", display_name="张三"), "note", s, led_by_wq)
    with pytest.raises(Forbidden):
        check_permission(Actor("wq", "leader", display_name="王强"), "verify", s, led_by_wq)
    check_permission(Actor("zs", "leader", display_name="张三"), "dispatch", raised,
                     ProjectFacts("XM001", "E01", "U01", "张三"))


def test_a_leader_decides_only_on_the_projects_they_lead():
    s = fold([RAISED, dispatched(leader="王强")])
    wq = Actor("wq", "leader", display_name="王强")
    for action in ("dispatch", "escalate", "urge"):
        check_permission(wq, action, s, ProjectFacts("XM001", "E01", "U01", "王强"))
        # the problem names him, yet the project is not his: led by another, by nobody, or none
        for project in (ProjectFacts("XM001", "E01", "U01", "张三"),
                        ProjectFacts("XM001", "E01", "U01", None), None):
            with pytest.raises(Forbidden, match="挂联"):
                check_permission(wq, action, s, project)
    # a note is not a decision: the problem's leader in charge may write one
    check_permission(wq, "note", s, None)


def test_the_reporter_of_a_resolution_does_not_verify_it():
    reported = NewEvent("ResolutionReported", {"description": "已解决"})
    reported_by = type("Stored", (), {"type": reported.type, "data": reported.data,
                                      "meta_text": '{"actor":"disp"}'})()
    s = fold([RAISED, dispatched(), reported_by])
    assert s.resolution_by == "disp"
    for action in ("verify", "reject"):
        with pytest.raises(Forbidden, match="报告人以外"):
            check_permission(Actor("disp", "dispatcher"), action, s)
        check_permission(Actor("disp2", "dispatcher"), action, s)
        check_permission(Actor("admin", "admin"), action, s)
    # a report whose author is not known (a bare event) restricts no one
    assert fold([RAISED, dispatched(), reported]).resolution_by is None


def test_who_may_raise():
    rep = Actor("r", "unit_reporter", "U01")
    check_raise(rep, "unit_report", "XM001")
    for source, project in [("meeting", "XM001"), ("inspection", "XM001"), ("unit_report", None)]:
        with pytest.raises(Forbidden):
            check_raise(rep, source, project)
    check_raise_on(rep, ProjectFacts("XM001", "E01", "U01", None))
    with pytest.raises(Forbidden, match="本单位"):
        check_raise_on(rep, ProjectFacts("XM002", "E01", "U02", None))
    wq = Actor("wq", "leader", display_name="王强")
    check_raise(wq, "meeting", "XM001")
    with pytest.raises(Forbidden, match="挂联"):
        check_raise(wq, "meeting", None)
    check_raise_on(wq, ProjectFacts("XM001", "E01", "U01", "王强"))
    for leader in ("张三", None):
        with pytest.raises(Forbidden, match="挂联"):
            check_raise_on(wq, ProjectFacts("XM001", "E01", "U01", leader))
    with pytest.raises(Forbidden, match="督查"):
        check_raise(Actor("i", "inspector"), "meeting", "XM001")
    for role in ("admin", "dispatcher"):
        check_raise(Actor("d", role), "meeting", None)


def test_project_facts():
    facts = fold_project([
        NewEvent("ProjectRegistered", {"code": "XM001", "owner_unit": "E01",
                                       "responsible_unit": "U01", "leader": None}),
        NewEvent("LeaderAssigned", {"project": "XM001", "leader": "王强", "previous": None}),
    ])
    assert (facts.units, facts.leader) == (("E01", "U01"), "王强")
