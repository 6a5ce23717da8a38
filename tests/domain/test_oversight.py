"""Meetings, inspections, bulletins, rectification tracking and dispatch statistics through the API."""
from __future__ import annotations

from sqlalchemy import select

from app.projections.oversight import bulletins, inspections, meetings
from app.projections.problems import problem_dispatches, problem_verifications, problems
from tests.domain.test_problems import World, world  # noqa: F401  (the fixture)

MEETING = {"level": 3, "date": "2026-03-10", "chair": "区长", "topic": "重大项目三级调度会",
           "attendees": ["区发改局", "城南镇"]}
INSPECTION = {"kind": "discipline", "date": "2026-03-02", "inspectors": ["赵敏", "钱进"],
              "summary": "作风督查：项目推进不力", "targets": ["U01", "U02"]}


def test_hold_meeting(world: World):
    body = world.post("/meetings", MEETING)
    assert body["id"] == "M0001" and body["events"][0]["type"] == "MeetingHeld"
    assert world.post("/meetings", {**MEETING, "level": 2, "attendees": []}, "wq")["id"] == "M0002"
    assert world.post("/meetings", {k: v for k, v in MEETING.items() if k != "attendees"},
                      "admin")["id"] == "M0003"
    before = world.event_count()
    assert "二级" in world.error("/meetings", MEETING, "wq", 403)["message"]
    world.error("/meetings", MEETING, "insp", 403)
    world.error("/meetings", MEETING, "rep1", 403)
    fields = world.error("/meetings", {"level": 5, "chair": ""}, "disp", 400)["fields"]
    assert set(fields) == {"level", "date", "chair", "topic"}
    world.error("/meetings", {**MEETING, "date": "2027-01-01"}, "disp", 400)
    assert world.event_count() == before
    listed = world.get("/meetings")
    assert [m["id"] for m in listed] == ["M0001", "M0002", "M0003"]
    # a unit reporter reads the meetings its unit attended (城南镇 is U01)
    assert [m["id"] for m in world.get("/meetings", "rep1")] == ["M0001"]
    assert world.get("/meetings", "rep2") == []
    assert listed[0] == {"id": "M0001", "level": 3, "date": "2026-03-10", "chair": "区长",
                         "topic": "重大项目三级调度会", "attendees": ["区发改局", "城南镇"]}
    assert [m["id"] for m in world.get("/meetings", level=2)] == ["M0002"]


def test_inspections_and_bulletins(world: World):
    assert world.post("/inspections", INSPECTION, "insp")["id"] == "I0001"
    assert world.post("/inspections", {**INSPECTION, "kind": "self_check", "targets": []},
                      "admin")["id"] == "I0002"
    before = world.event_count()
    world.error("/inspections", INSPECTION, "disp", 403)
    assert world.error("/inspections", {**INSPECTION, "targets": ["U99"]}, "insp",
                       404)["message"] == "被督查单位“U99”不存在。"
    fields = world.error("/inspections", {**INSPECTION, "kind": "audit", "inspectors": []},
                         "insp", 400)["fields"]
    assert set(fields) == {"kind", "inspectors"}
    assert world.event_count() == before
    assert world.get("/inspections", kind="discipline") == [{
        "id": "I0001", "kind": "discipline", "date": "2026-03-02", "inspectors": ["赵敏", "钱进"],
        "summary": "作风督查：项目推进不力", "targets": ["U01", "U02"]}]
    bulletin = {"number": "2026年第1期", "title": "关于重大项目推进情况的督查通报",
                "date": "2026-03-15", "inspections": ["I0001", "I0002"]}
    body = world.post("/bulletins", bulletin, "insp")
    assert body["id"] == "2026年第1期" and body["version"] == 1
    before = world.event_count()
    assert "已存在" in world.error("/bulletins", bulletin, "admin", 409)["message"]
    world.error("/bulletins", {**bulletin, "number": "2026年第2期", "inspections": ["I0042"]},
                "insp", 404)
    world.error("/bulletins", {**bulletin, "number": "2026年第2期"}, "disp", 403)
    world.error("/bulletins", {"number": " ", "title": "x"}, "insp", 400)
    assert world.event_count() == before
    assert world.get("/bulletins", "rep2") == [{
        "number": "2026年第1期", "title": "关于重大项目推进情况的督查通报", "date": "2026-03-15",
        "inspections": ["I0001", "I0002"]}]


def _found(world: World, unit_project: str | None = "XM001", who: str = "insp") -> str:
    return world.raise_problem(who=who, source="inspection", inspection="I0001",
                               project=unit_project)


def test_rectification(world: World):
    world.post("/inspections", INSPECTION, "insp")
    done, late, _raised, gone = (_found(world) for _ in range(4))
    world.dispatch(done, responsible_unit="U01")
    world.post(f"/problems/{done}/resolution", {"description": "已整改", "date": "2026-04-01"}, "rep1")
    world.post(f"/problems/{done}/verify", {"note": "整改到位", "date": "2026-04-02"})
    world.dispatch(late, deadline="2026-06-30")  # to U02, past its deadline
    world.post(f"/problems/{gone}/withdraw", {"reason": "重复登记"})
    world.raise_problem()  # not from an inspection: not tracked here
    rows = world.get("/rectification", "insp")
    assert rows == [
        {"unit": "U01", "name": "城南镇", "total": 2, "resolved": 1, "in_progress": 1,
         "overdue": 0, "rate": 0.5},
        {"unit": "U02", "name": "区住建局", "total": 1, "resolved": 0, "in_progress": 1,
         "overdue": 1, "rate": 0.0},
    ]
    assert world.get("/rectification", "rep2") == rows[1:]


def test_dispatch_stats_and_rebuild(world: World):
    mid = world.post("/meetings", MEETING)["id"]
    world.post("/meetings", {**MEETING, "level": 1})
    a, b, _untouched = (world.raise_problem() for _ in range(3))
    world.dispatch(a, level=1)
    world.dispatch(a, level=3, meeting=mid, date="2026-03-10", deadline="2026-12-31")
    world.post(f"/problems/{a}/resolution", {"description": "已解决", "date": "2026-04-01"}, "rep2")
    world.post(f"/problems/{a}/verify", {"note": "核实", "date": "2026-04-02"})
    world.post(f"/problems/{a}/reopen", {"reason": "反弹", "date": "2026-04-10"})
    world.post(f"/problems/{a}/resolution", {"description": "再解决", "date": "2026-04-20"}, "rep2")
    world.post(f"/problems/{a}/verify", {"note": "再核实", "date": "2026-04-21"})
    world.dispatch(b, level=2, responsible_unit="U01", deadline="2026-05-31")
    world.post(f"/problems/{b}/escalate", {"reason": "二级未解决", "date": "2026-04-01"})
    stats = world.get("/dispatch-stats")
    assert stats["by_level"] == [
        {"level": 1, "level_name": "一级调度", "problems_dispatched": 1, "meetings": 1, "resolved": 0},
        {"level": 2, "level_name": "二级调度", "problems_dispatched": 1, "meetings": 0, "resolved": 0},
        {"level": 3, "level_name": "三级调度", "problems_dispatched": 1, "meetings": 1, "resolved": 1},
    ]
    assert stats["by_unit"] == [
        {"unit": "U01", "name": "城南镇", "dispatched": 1, "resolved": 0, "in_progress": 1, "overdue": 1},
        {"unit": "U02", "name": "区住建局", "dispatched": 1, "resolved": 1, "in_progress": 0,
         "overdue": 0},
    ]
    assert world.get("/dispatch-stats", "rep1")["by_unit"] == stats["by_unit"][:1]
    p = world.get(f"/problems/{a}")
    assert (p["status"], p["resolved_on"], p["days_to_resolve"], p["reopen_count"]) == (
        "resolved", "2026-04-21", 51, 1)
    assert world.get(f"/problems/{b}")["level"] == 3
    tables = (problems, problem_dispatches, problem_verifications, meetings, inspections, bulletins)

    def snapshot() -> dict:
        with world.svc.engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t)))) for t in tables}

    live = snapshot()
    assert live["proj_problem_verifications"] == [(a, 1, "XM001", "2026-04-02", "2026-04-10"),
                                                  (a, 2, "XM001", "2026-04-21", None)]
    assert [r[:4] for r in live["proj_problem_dispatches"]] == [
        (a, 1, "XM001", 1), (a, 2, "XM001", 3), (b, 1, "XM001", 2)]
    world.svc.projections.rebuild(world.svc.store)
    assert snapshot() == live  # the same folds, replayed from the events
