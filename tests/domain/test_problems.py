"""Problems through the API: each command, each refusal, the ledger, history and as-of."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from app.domain.actors import SYSTEM, Actor
from app.domain.errors import Forbidden, NotAllowed
from tests.conftest import make_user, token_for

API = "/api/v1"


class World:
    """Units U01, U02 and E01 (owner), project XM001 (responsible U01, leader 王强), and users."""

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self.svc = app.extensions["duban"]
        make_user(self.svc, "disp", "dispatcher")
        self.h = {"disp": token_for(client, "disp")}
        for code, name, kind in [("U01", "城南镇", "township"), ("U02", "区住建局", "department"),
                                 ("E01", "城投公司", "enterprise")]:
            self.post("/units", {"code": code, "name": name, "kind": kind, "date": "2026-01-02"})
        for user, role, unit, name in [("admin", "admin", None, None), ("rep1", "unit_reporter", "U01", None),
                                       ("rep2", "unit_reporter", "U02", None),
                                       ("wq", "leader", None, "王强"), ("zs", "leader", None, "张三"),
                                       ("insp", "inspector", None, None)]:
            make_user(self.svc, user, role, unit, display_name=name)
            self.h[user] = token_for(client, user)
        self.post("/projects", {
            "code": "XM001", "name": "城南片区棚户区改造", "category": "district", "stage": "continuing",
            "owner_unit": "E01", "responsible_unit": "U01", "total_investment": 52000.0,
            "leader": "王强", "date": "2026-01-05"})

    def post(self, path: str, body: dict, who: str = "disp", expect: int | None = 201):
        r = self.client.post(API + path, json=body, headers=self.h[who])
        if expect is not None:
            assert r.status_code == expect, r.get_json()
        return r.get_json()

    def get(self, path: str, who: str = "disp", expect: int = 200, **params):
        r = self.client.get(API + path, query_string=params, headers=self.h[who])
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def error(self, path: str, body: dict, who: str, status: int) -> dict:
        return self.post(path, body, who, expect=status)["error"]

    def raise_problem(self, who: str = "disp", **body) -> str:
        base = {"category": "land", "description": "用地指标不足", "source": "unit_report",
                "project": "XM001", "date": "2026-03-01"}
        return self.post("/problems", {**base, **body}, who)["id"]

    def dispatch(self, pid: str, who: str = "disp", **body) -> dict:
        base = {"level": 1, "decision": "协调自然资源局调剂指标", "responsible_unit": "U02",
                "deadline": "2026-04-30", "responsible_person": "李四", "date": "2026-03-05"}
        return self.post(f"/problems/{pid}/dispatch", {**base, **body}, who)

    def event_count(self) -> int:
        """Events of the domain: a refusal appends nothing there (it is a security fact)."""
        return sum(1 for e in self.svc.store.read_all() if e.stream_id != "security:log")


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


def test_raise_problem(world):
    body = world.post("/problems", {"category": "funding", "description": "资金缺口 3000 万元",
                                    "source": "unit_report", "project": "XM001", "date": "2026-03-01"})
    assert body["id"] == "P00001" and body["version"] == 1
    assert [e["type"] for e in body["events"]] == ["ProblemRaised"]
    p = world.get("/problems/P00001")
    assert (p["status"], p["status_name"], p["unit"], p["level"], p["raised_on"], p["version"]) == (
        "raised", "已提出", "U01", None, "2026-03-01", 1)
    # a unit reporter raises for its own unit, on its unit's projects
    assert world.raise_problem(who="rep1") == "P00002"
    assert world.get("/problems/P00002")["unit"] == "U01"
    assert world.raise_problem(who="admin") == "P00003"
    assert world.raise_problem(who="wq") == "P00004"


def test_raise_refusals(world, client):
    ok = {"category": "land", "description": "用地指标不足", "source": "unit_report", "project": "XM001"}
    before = world.event_count()
    assert world.error("/problems", {**ok, "project": "XM999"}, "disp", 404)["message"] == "项目“XM999”不存在。"
    assert "本单位" in world.error("/problems", ok, "rep2", 403)["message"]
    assert world.error("/problems", ok, "insp", 403)["message"] == "纪检督查人员只能登记督查发现的问题。"
    fields = world.error("/problems", {**ok, "source": "inspection"}, "insp", 400)["fields"]
    assert list(fields) == ["inspection"]
    world.error("/problems", {**ok, "source": "inspection", "inspection": "I0009"}, "insp", 404)
    fields = world.error("/problems", {"category": "weather", "description": " ", "source": "x"},
                         "disp", 400)["fields"]
    assert set(fields) == {"category", "description", "source"}
    world.error("/problems", {**ok, "date": "2026-11-26"}, "disp", 400)  # tomorrow
    world.error("/problems", {**ok, "id": "P00042"}, "disp", 400)
    assert client.post(API + "/problems", json=ok).status_code == 401
    assert world.event_count() == before  # refused commands append nothing
    # an inspector raises what an inspection found
    iid = world.post("/inspections", {"kind": "project", "date": "2026-03-01", "inspectors": ["赵敏"],
                                      "summary": "项目督查", "targets": ["U01"]}, "insp")["id"]
    pid = world.post("/problems", {**ok, "source": "inspection", "inspection": iid}, "insp")["id"]
    assert world.get(f"/problems/{pid}")["inspection"] == iid


def test_full_life_and_history(world):
    pid = world.raise_problem()
    world.dispatch(pid)
    steps = [("escalate", {"reason": "一级调度未解决", "date": "2026-03-20"}),
             ("resolution", {"description": "已调剂用地指标", "date": "2026-04-10"}),
             ("reject", {"reason": "指标尚未下达", "date": "2026-04-12"}),
             ("resolution", {"description": "指标已下达", "date": "2026-04-20"}),
             ("verify", {"note": "经核实已落实", "date": "2026-04-25"})]
    statuses = []
    for action, body in steps:  # resolutions reported by the responsible unit (U02), not the verifier
        world.post(f"/problems/{pid}/{action}", body, "rep2" if action == "resolution" else "disp")
        statuses.append(world.get(f"/problems/{pid}")["status"])
    assert statuses == ["in_progress", "awaiting_verification", "in_progress",
                        "awaiting_verification", "resolved"]
    p = world.get(f"/problems/{pid}")
    assert (p["level"], p["resolved_on"], p["days_to_resolve"], p["first_dispatched_on"]) == (
        2, "2026-04-25", 55, "2026-03-05")
    assert (p["responsible_unit"], p["responsible_person"], p["leader"], p["deadline"]) == (
        "U02", "李四", "王强", "2026-04-30")  # leader: the project's, as none was named
    assert (p["escalation_count"], p["rejection_count"], p["dispatch_count"]) == (1, 1, 1)
    assert p["overdue"] is False and p["version"] == 7
    body = world.post(f"/problems/{pid}/reopen", {"reason": "问题反弹", "date": "2026-05-02"})
    assert body["version"] == 8
    p = world.get(f"/problems/{pid}")
    assert (p["status"], p["resolved_on"], p["days_to_resolve"], p["reopen_count"]) == (
        "in_progress", None, None, 1)
    history = world.get(f"/problems/{pid}/history", "insp")
    assert [e["type"] for e in history] == [
        "ProblemRaised", "ProblemDispatched", "ProblemEscalated", "ResolutionReported",
        "ResolutionRejected", "ResolutionReported", "ResolutionVerified", "ProblemReopened"]
    positions = [e["position"] for e in history]
    assert positions == sorted(positions)
    assert history[2]["data"] == {"from_level": 1, "to_level": 2, "reason": "一级调度未解决"}
    assert history[6]["date"] == "2026-04-25" and history[6]["actor"] == "disp"
    assert datetime.fromisoformat(history[0]["recorded_at"]).tzinfo is not None
    world.get("/problems/P09999/history", expect=404)
    world.get("/problems/P09999", expect=404)


def test_dispatch_rules(world):
    pid = world.raise_problem()
    before = world.event_count()
    world.error("/problems/P09999/dispatch", {"level": 1, "decision": "x", "responsible_unit": "U02",
                                               "deadline": "2026-04-30"}, "disp", 404)
    base = {"level": 1, "decision": "协调", "responsible_unit": "U02", "deadline": "2026-04-30",
            "date": "2026-03-05"}
    assert world.error(f"/problems/{pid}/dispatch", {**base, "responsible_unit": "U99"}, "disp",
                       404)["message"] == "责任单位“U99”不存在。"
    world.error(f"/problems/{pid}/dispatch", {**base, "meeting": "M0042"}, "disp", 404)
    f = world.error(f"/problems/{pid}/dispatch", {**base, "deadline": "2026-03-04"}, "disp", 400)
    assert list(f["fields"]) == ["deadline"]
    f = world.error(f"/problems/{pid}/dispatch", {**base, "date": "2026-02-01"}, "disp", 400)
    assert "问题提出日期" in f["fields"]["date"][0]
    world.error(f"/problems/{pid}/dispatch", {**base, "level": 4}, "disp", 400)
    assert "二级" in world.error(f"/problems/{pid}/dispatch", base, "wq", 403)["message"]
    world.error(f"/problems/{pid}/dispatch", {**base, "level": 2, "leader": "张三"}, "wq", 403)
    world.error(f"/problems/{pid}/dispatch", {**base, "level": 2}, "zs", 403)  # 王强's project
    world.error(f"/problems/{pid}/dispatch", base, "insp", 403)
    world.error(f"/problems/{pid}/dispatch", base, "rep1", 403)
    assert world.event_count() == before
    # a leader records a level-2 decision in their own name; later levels may not go down
    mid = world.post("/meetings", {"level": 2, "date": "2026-03-06", "chair": "王强",
                                   "topic": "二级调度会"}, "wq")["id"]
    world.dispatch(pid, level=2, meeting=mid, date="2026-03-06", who="wq")
    p = world.get(f"/problems/{pid}")
    assert (p["level"], p["leader"], p["meeting"]) == (2, "王强", mid)
    msg = world.error(f"/problems/{pid}/dispatch", base, "disp", 422)["message"]
    assert "二级调度" in msg and "一级调度" in msg
    world.dispatch(pid, level=3, decision="区指挥部统筹", deadline="2026-05-31")
    assert world.get(f"/problems/{pid}")["dispatch_count"] == 2
    world.post(f"/problems/{pid}/resolution", {"description": "已解决", "date": "2026-04-01"})
    assert "待核验" in world.error(f"/problems/{pid}/dispatch", {**base, "level": 3}, "disp",
                                   422)["message"]


def test_state_refusals_name_the_status(world):
    pid = world.raise_problem()
    before = world.event_count()
    for action, body in [("escalate", {"reason": "x"}), ("urge", {"note": "x"}),
                         ("extend", {"deadline": "2026-12-31", "reason": "x"}),
                         ("resolution", {"description": "x"}), ("verify", {"note": "x"}),
                         ("reject", {"reason": "x"}), ("reopen", {"reason": "x"})]:
        err = world.error(f"/problems/{pid}/{action}", body, "disp", 422)
        assert err["code"] == "not_allowed" and "“已提出”" in err["message"], action
    world.dispatch(pid, deadline="2026-12-15")
    err = world.error(f"/problems/{pid}/verify", {"note": "x"}, "disp", 422)
    assert err["message"] == f"问题 {pid} 当前状态为“办理中”，尚未报告解决情况，不能核验销号。"
    world.error(f"/problems/{pid}/reopen", {"reason": "x"}, "disp", 422)
    assert "须晚于当前完成时限" in world.error(f"/problems/{pid}/extend",
                                         {"deadline": "2026-12-10", "reason": "x"}, "disp", 422)["message"]
    world.error(f"/problems/{pid}/extend", {"deadline": "2026-11-24", "reason": "x"}, "disp", 400)
    world.post(f"/problems/{pid}/escalate", {"reason": "升二级"})
    world.post(f"/problems/{pid}/escalate", {"reason": "升三级"})
    assert "已是三级调度" in world.error(f"/problems/{pid}/escalate", {"reason": "x"}, "disp",
                                       422)["message"]
    world.post(f"/problems/{pid}/resolution", {"description": "已解决"}, "rep2")
    world.error(f"/problems/{pid}/withdraw", {"reason": "x"}, "disp", 422)
    world.error(f"/problems/{pid}/extend", {"deadline": "2026-12-31", "reason": "x"}, "disp", 422)
    world.post(f"/problems/{pid}/verify", {"note": "核实"})
    assert "已销号" in world.error(f"/problems/{pid}/notes", {"note": "x"}, "disp", 422)["message"]
    world.error(f"/problems/{pid}/urge", {"note": "x"}, "disp", 422)
    other = world.raise_problem()
    world.post(f"/problems/{other}/withdraw", {"reason": "重复上报"})
    assert "已撤回" in world.error(f"/problems/{other}/notes", {"note": "x"}, "disp", 422)["message"]
    assert world.event_count() == before + 7  # only the accepted commands


def test_who_may_act(world):
    pid = world.raise_problem(who="rep1")
    world.post(f"/problems/{pid}/notes", {"note": "已上报区自然资源局"}, "rep1")
    world.error(f"/problems/{pid}/notes", {"note": "x"}, "rep2", 403)
    world.dispatch(pid, leader="张三")  # to U02, 张三 named in charge on 王强's project
    world.error(f"/problems/{pid}/resolution", {"description": "x"}, "rep1", 403)
    world.error(f"/problems/{pid}/urge", {"note": "x"}, "wq", 403)  # not his problem
    world.error(f"/problems/{pid}/urge", {"note": "x"}, "zs", 403)  # not his project
    world.dispatch(pid, level=2, leader="王强")
    world.post(f"/problems/{pid}/urge", {"note": "请加快办理"}, "wq")
    world.post(f"/problems/{pid}/notes", {"note": "已协调"}, "wq")
    world.error(f"/problems/{pid}/notes", {"note": "x"}, "zs", 403)
    world.error(f"/problems/{pid}/extend", {"deadline": "2026-12-31", "reason": "x"}, "wq", 403)
    for action, body in [("notes", {"note": "x"}), ("verify", {"note": "x"}),
                         ("escalate", {"reason": "x"}), ("withdraw", {"reason": "x"})]:
        world.error(f"/problems/{pid}/{action}", body, "insp", 403)
    world.post(f"/problems/{pid}/resolution", {"description": "已完成"}, "rep2")
    world.error(f"/problems/{pid}/verify", {"note": "x"}, "rep2", 403)
    world.post(f"/problems/{pid}/verify", {"note": "核实"}, "admin")
    p = world.get(f"/problems/{pid}")
    assert (p["urge_count"], p["note_count"], p["status"]) == (1, 2, "resolved")
    # reading: a unit reporter sees its own unit's problems only
    theirs = world.raise_problem()  # XM001: unit U01
    assert [p["id"] for p in world.get("/problems", "rep2")] == [pid]
    assert [p["id"] for p in world.get("/problems", "rep1")] == [pid, theirs]
    world.get(f"/problems/{theirs}", "rep2", expect=403)
    world.get(f"/problems/{theirs}/history", "rep2", expect=403)
    assert len(world.get(f"/problems/{pid}/history", "rep2")) == 8


def test_record_overdue(world):
    bus, pid = world.svc.bus, world.raise_problem()
    world.dispatch(pid, date="2026-11-10", deadline="2026-11-20")
    with pytest.raises(Forbidden):
        bus.execute("record_overdue", {"id": pid, "deadline": "2026-11-20"}, Actor("disp", "dispatcher"))
    r = bus.execute("record_overdue", {"id": pid, "deadline": "2026-11-20"}, SYSTEM)
    assert r["events"][0]["type"] == "ProblemOverdue"
    with pytest.raises(NotAllowed, match="已就完成时限"):
        bus.execute("record_overdue", {"id": pid, "deadline": "2026-11-20"}, SYSTEM)
    with pytest.raises(NotAllowed, match="当前完成时限"):
        bus.execute("record_overdue", {"id": pid, "deadline": "2026-11-19"}, SYSTEM)
    p = world.get(f"/problems/{pid}")
    assert (p["overdue"], p["overdue_days"], p["overdue_recorded"]) == (True, 5, "2026-11-20")
    world.post(f"/problems/{pid}/extend", {"deadline": "2026-11-30", "reason": "征迁协议待签"})
    with pytest.raises(NotAllowed, match="尚未过去"):
        bus.execute("record_overdue", {"id": pid, "deadline": "2026-11-30"}, SYSTEM)
    p = world.get(f"/problems/{pid}")
    assert (p["overdue"], p["overdue_days"], p["extension_count"], p["deadline"]) == (
        False, 0, 1, "2026-11-30")
    assert world.get(f"/problems/{pid}/history")[-1]["data"] == {
        "deadline": "2026-11-30", "previous": "2026-11-20", "reason": "征迁协议待签"}


def test_ledger_filters_and_overdue(world):
    late = world.raise_problem(category="funding")
    world.dispatch(late, date="2026-10-01", deadline="2026-11-01")
    on_time = world.raise_problem(project=None, source="meeting")
    world.dispatch(on_time, level=2, responsible_unit="U01", deadline="2026-12-31")
    done = world.raise_problem()
    world.dispatch(done, date="2026-10-01", deadline="2026-10-31")
    world.post(f"/problems/{done}/resolution", {"description": "已解决", "date": "2026-10-20"}, "rep2")
    world.post(f"/problems/{done}/verify", {"note": "核实", "date": "2026-10-25"})
    fresh = world.raise_problem()

    def ids(**params):
        return [p["id"] for p in world.get("/problems", **params)]

    assert ids() == [late, on_time, done, fresh]
    assert ids(overdue="true") == [late] and ids(overdue="false") == [on_time, done, fresh]
    assert ids(status="resolved") == [done] and ids(status="raised") == [fresh]
    assert ids(level=2) == [on_time]
    assert ids(unit="U01") == [on_time, fresh] and ids(unit="U02") == [late, done]
    assert ids(project="XM001") == [late, done, fresh]
    row = world.get("/problems", overdue="true")[0]
    assert (row["overdue"], row["overdue_days"], row["category"]) == (True, 24, "funding")
    world.get("/problems", expect=400, status="closed")
    world.get("/problems", expect=400, level="9")


def test_as_of_equals_the_live_answer_then(app, client, clock):
    clock.set(datetime(2026, 11, 15, 2, 0, tzinfo=timezone.utc))  # before anything is recorded
    world = World(app, client)
    pid = world.raise_problem(date="2026-11-15")
    world.dispatch(pid, date="2026-11-15", deadline="2026-11-20")
    then = clock.now.isoformat()
    live_then = {path: world.get(path) for path in
                 ("/problems", f"/problems/{pid}", f"/problems/{pid}/history", "/dispatch-stats")}
    assert live_then[f"/problems/{pid}"]["overdue"] is False
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))
    world.post(f"/problems/{pid}/urge", {"note": "已逾期，请加快"})
    assert world.get(f"/problems/{pid}")["overdue_days"] == 5
    for path, answer in live_then.items():
        assert world.get(path, as_of=then) == answer, path


def test_stale_version_and_idempotency(world):
    pid = world.raise_problem()
    world.dispatch(pid)
    body = {"note": "第一次", "expected_version": 2, "command_id": "n-1"}
    first = world.post(f"/problems/{pid}/notes", body)
    assert world.post(f"/problems/{pid}/notes", body) == first
    err = world.error(f"/problems/{pid}/notes", {"note": "旧版本", "expected_version": 2}, "disp", 409)
    assert "当前版本 3" in err["message"]
    world.error("/problems/P09999/notes", {"note": "x", "expected_version": 1}, "disp", 404)
    assert world.get(f"/problems/{pid}")["note_count"] == 1


def test_two_verifiers_one_wins(world, app):
    pid = world.raise_problem()
    world.dispatch(pid)
    version = world.post(f"/problems/{pid}/resolution", {"description": "已解决"}, "rep2")["version"]
    barrier, statuses = threading.Barrier(2), []

    def verify(who: str) -> None:
        client = app.test_client()
        barrier.wait()
        r = client.post(f"{API}/problems/{pid}/verify", headers=world.h[who],
                        json={"note": f"{who} 核验", "expected_version": version})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=verify, args=(who,)) for who in ("disp", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409]
    types = [e["type"] for e in world.get(f"/problems/{pid}/history")]
    assert types.count("ResolutionVerified") == 1
