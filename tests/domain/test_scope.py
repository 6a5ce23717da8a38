"""Who may act on what and read what (API.md, "Security": scope), through the API.

World (test_problems): units U01, U02, E01; project XM001 (owner E01, responsible U01, leader 王强);
users disp, admin, rep1 (U01), rep2 (U02), wq (leader 王强), zs (leader 张三), insp.
"""
from __future__ import annotations

from tests.domain.test_problems import World, world  # noqa: F401 (the fixture)

NO_LEADER = {"code": "XM002", "name": "储备项目", "category": "district", "stage": "reserve",
             "owner_unit": "U02", "responsible_unit": "U02", "total_investment": 800.0,
             "date": "2026-01-05"}
LEVEL_2 = {"level": 2, "decision": "二级调度议定", "responsible_unit": "U02", "deadline": "2026-04-30",
           "date": "2026-03-05"}


def _unchanged(world: World, before: int) -> None:
    assert world.event_count() == before, "a refused command appended something"


# -- leaders ----------------------------------------------------------------------------------
def test_a_leader_raises_problems_only_on_the_projects_they_lead(world):  # noqa: F811
    world.post("/projects", NO_LEADER)
    before = world.event_count()
    for who, project in [("zs", "XM001"), ("wq", "XM002"), ("wq", None)]:
        err = world.error("/problems", {"category": "land", "description": "用地", "source": "meeting",
                                        "project": project, "date": "2026-03-01"}, who, 403)
        assert "挂联" in err["message"], (who, project)
    _unchanged(world, before)
    pid = world.raise_problem(who="wq", source="meeting")
    assert world.get(f"/problems/{pid}")["project"] == "XM001"


def test_a_leader_decides_only_on_the_projects_they_lead(world):  # noqa: F811
    world.post("/projects", NO_LEADER)
    on_reserve = world.raise_problem(project="XM002", source="meeting")
    no_project = world.raise_problem(project=None, source="meeting")
    before = world.event_count()
    for pid in (on_reserve, no_project):  # no leader's: the dispatcher's to decide
        assert "挂联" in world.error(f"/problems/{pid}/dispatch", LEVEL_2, "wq", 403)["message"]
    _unchanged(world, before)
    # dispatched by the dispatcher naming 王强 in charge: still not a project he leads
    for pid in (on_reserve, no_project):
        world.dispatch(pid, leader="王强")
    before = world.event_count()
    for pid in (on_reserve, no_project):
        world.error(f"/problems/{pid}/urge", {"note": "请加快"}, "wq", 403)
        world.error(f"/problems/{pid}/escalate", {"reason": "升级"}, "wq", 403)
        world.error(f"/problems/{pid}/dispatch", LEVEL_2, "wq", 403)
    _unchanged(world, before)
    # on his own project he dispatches, urges and escalates
    mine = world.raise_problem()
    world.dispatch(mine, who="wq", **LEVEL_2)
    world.post(f"/problems/{mine}/urge", {"note": "请加快"}, "wq")
    world.post(f"/problems/{mine}/escalate", {"reason": "需区指挥部协调"}, "wq")
    assert world.get(f"/problems/{mine}")["level"] == 3
    # another leader does none of it there
    for action, body in [("urge", {"note": "x"}), ("dispatch", LEVEL_2)]:
        world.error(f"/problems/{mine}/{action}", body, "zs", 403)


def test_a_project_led_by_someone_else_since_is_not_theirs(world):  # noqa: F811
    pid = world.raise_problem()
    world.dispatch(pid)  # 王强 in charge, the project's leader then
    world.post("/projects/XM001/leader", {"leader": "张三", "date": "2026-03-10"})
    world.error(f"/problems/{pid}/urge", {"note": "x"}, "wq", 403)


# -- unit reporters -------------------------------------------------------------------------------
def test_a_unit_reporter_raises_only_its_units_reports_on_its_projects(world):  # noqa: F811
    iid = world.post("/inspections", {"kind": "project", "date": "2026-03-01", "inspectors": ["赵敏"],
                                      "summary": "项目督查", "targets": ["U01"]}, "insp")["id"]
    before = world.event_count()
    base = {"category": "land", "description": "用地指标不足", "project": "XM001", "date": "2026-03-01"}
    for body in ({**base, "source": "meeting"}, {**base, "source": "inspection", "inspection": iid},
                 {**base, "source": "unit_report", "project": None}):
        world.error("/problems", body, "rep1", 403)
    world.error("/problems", {**base, "source": "unit_report"}, "rep2", 403)  # not U02's project
    _unchanged(world, before)
    pid = world.post("/problems", {**base, "source": "unit_report"}, "rep1")["id"]
    assert world.get(f"/problems/{pid}")["unit"] == "U01"


# -- verification ----------------------------------------------------------------------------------
def test_a_resolution_is_verified_by_another_person(world):  # noqa: F811
    pid = world.raise_problem()
    world.dispatch(pid)
    world.post(f"/problems/{pid}/resolution", {"description": "已解决"}, "disp")
    before = world.event_count()
    for action, body in [("verify", {"note": "核实"}), ("reject", {"reason": "不实"})]:
        err = world.error(f"/problems/{pid}/{action}", body, "disp", 403)
        assert "报告人以外" in err["message"]
    _unchanged(world, before)
    world.post(f"/problems/{pid}/reject", {"reason": "未见佐证"}, "admin")
    world.post(f"/problems/{pid}/resolution", {"description": "补充佐证"}, "rep2")
    world.post(f"/problems/{pid}/verify", {"note": "核实"}, "disp")  # reported by rep2 this time
    assert world.get(f"/problems/{pid}")["status"] == "resolved"


# -- reading: what concerns a unit --------------------------------------------------------------
def _ids(rows: list[dict], key: str = "id") -> list[str]:
    return [r[key] for r in rows]


def test_a_unit_reporter_reads_the_oversight_that_concerns_its_unit(world):  # noqa: F811
    def inspection(targets):
        return world.post("/inspections", {"kind": "project", "date": "2026-03-01",
                                           "inspectors": ["赵敏"], "summary": "督查",
                                           "targets": targets}, "insp")["id"]

    def meeting(attendees=()):
        return world.post("/meetings", {"level": 1, "date": "2026-03-02", "chair": "李局长",
                                        "topic": "调度会", "attendees": list(attendees)})["id"]

    on_u01, on_u02, none = inspection(["U01"]), inspection(["U02", "E01"]), inspection([])
    # an inspection that inspected nobody in particular but found a problem on XM001 (U01's)
    found = world.raise_problem(who="insp", source="inspection", inspection=none)
    m_xm001, m_other, m_idle = meeting(), meeting(), meeting(["区发改局"])
    m_attended = meeting(["区发改局", "城南镇"])  # U01 by name
    world.dispatch(found, meeting=m_xm001)  # to U02: concerns U02 (assigned) and U01 (its project)
    loose = world.raise_problem(project=None, source="meeting")
    world.dispatch(loose, meeting=m_other)  # to U02 only
    for number, listed in [("2026-1", [on_u01]), ("2026-2", [on_u02]), ("2026-3", [])]:
        world.post("/bulletins", {"number": number, "title": "通报", "date": "2026-03-03",
                                  "inspections": listed}, "insp")
    everything = {"/inspections": [on_u01, on_u02, none],
                  "/meetings": [m_xm001, m_other, m_idle, m_attended],
                  "/bulletins": ["2026-1", "2026-2", "2026-3"]}
    for who in ("disp", "insp", "wq", "admin"):
        for path, ids in everything.items():
            assert _ids(world.get(path, who), "number" if path == "/bulletins" else "id") == ids
    expected = {"rep1": {"/inspections": [on_u01, none], "/meetings": [m_xm001, m_attended],
                         "/bulletins": ["2026-1"]},
                "rep2": {"/inspections": [on_u02, none], "/meetings": [m_xm001, m_other],
                         "/bulletins": ["2026-2"]}}
    for who, answers in expected.items():
        for path, ids in answers.items():
            got = _ids(world.get(path, who), "number" if path == "/bulletins" else "id")
            assert got == ids, (who, path)
    # as of an instant, by the same rule
    assert _ids(world.get("/inspections", "rep1", as_of="2099-01-01T00:00:00+08:00")) == \
        [on_u01, none]
