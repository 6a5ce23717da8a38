"""Tasks (督办事项) through the API: each command, each refusal, the ledger, history, as-of and the
appraisal, on both databases."""
from __future__ import annotations

import io

import pytest

from tests.conftest import make_user, token_for

API = "/api/v1"
TODAY = "2026-11-25"  # the clock's day (Asia/Shanghai), a Wednesday
HASH = "ab" * 32


class World:
    """Units U01 (lead), U02 (co-unit), U03 (neither) and a user of each role."""

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self.svc = app.extensions["duban"]
        make_user(self.svc, "disp", "dispatcher")
        self.h = {"disp": token_for(client, "disp")}
        for code, name in [("U01", "区住建局"), ("U02", "区财政局"), ("U03", "城南镇")]:
            self.post("/units", {"code": code, "name": name, "kind": "department", "date": "2026-01-02"})
        for user, role, unit, name in [("admin", "admin", None, None),
                                       ("rep1", "unit_reporter", "U01", None),
                                       ("rep2", "unit_reporter", "U02", None),
                                       ("rep3", "unit_reporter", "U03", None),
                                       ("wq", "leader", None, "王强"), ("zs", "leader", None, "张三"),
                                       ("insp", "inspector", None, None)]:
            make_user(self.svc, user, role, unit, display_name=name)
            self.h[user] = token_for(client, user)

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

    def register(self, who: str = "disp", **body) -> str:
        base = {"title": "办理区人大常委会对十三五规划中期评估报告的审议意见", "source": "npc_suggestion",
                "lead_unit": "U01", "co_units": ["U02"], "deadline": "2026-12-31",
                "leader": "王强", "date": "2026-11-02"}
        return self.post("/tasks", {**base, **body}, who)["id"]

    def act(self, tid: str, action: str, body: dict, who: str) -> dict:
        return self.post(f"/tasks/{tid}/{action}", body, who)

    def count(self) -> int:
        """Events of the domain: a refusal appends nothing there (it is a security fact)."""
        return sum(1 for e in self.svc.store.read_all() if e.stream_id != "security:log")


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


def test_register(world):
    body = world.post("/tasks", {"title": "报送十四五重大项目清单", "source": "superior",
                                 "source_ref": "市发改委通知", "lead_unit": "U01",
                                 "co_units": ["U02", "U03", "U02"], "deadline": "2026-12-15",
                                 "description": "按市发改委要求报送", "leader": "王强",
                                 "feedback_cycle": "weekly", "key": True, "date": "2026-11-20"})
    assert body["id"] == "T00001" and body["version"] == 1
    assert [e["type"] for e in body["events"]] == ["TaskAssigned"]
    t = world.get("/tasks/T00001")
    assert (t["status"], t["lead_unit"], t["co_units"], t["key"], t["feedback_cycle"]) == (
        "assigned", "U01", ["U02", "U03"], True, "weekly")
    assert t["notice_number"] == "区发改督〔2026〕1号" and t["registered_on"] == "2026-11-20"
    assert world.get("/tasks/T00001/history")[0]["data"]["co_units"] == ["U02", "U03"]
    # defaults; an inspector registers what an inspection found; the numbers go on per year
    tid = world.register(who="admin", co_units=[], leader=None, date=None)
    t = world.get(f"/tasks/{tid}")
    assert (t["feedback_cycle"], t["key"], t["registered_on"], t["co_units"]) == (
        "none", False, TODAY, [])
    assert t["notice_number"] == "区发改督〔2026〕2号"
    tid = world.register(who="insp", source="inspection", date="2025-12-30")
    assert world.get(f"/tasks/{tid}")["notice_number"] == "区发改督〔2025〕1号"


def test_register_refusals(world, client):
    ok = {"title": "起草半年经济运行报告", "source": "leader_instruction", "lead_unit": "U01",
          "deadline": "2026-12-20"}
    before = world.count()
    assert world.error("/tasks", ok, "insp", 403)["message"] == \
        "纪检督查人员只能登记督查发现的督办事项（来源为督查发现）。"
    for who in ("rep1", "wq"):
        world.error("/tasks", ok, who, 403)
    assert world.error("/tasks", {**ok, "lead_unit": "U99"}, "disp", 404)["message"] == "单位“U99”不存在。"
    world.error("/tasks", {**ok, "co_units": ["U98"]}, "disp", 404)
    f = world.error("/tasks", {"title": " ", "source": "x", "lead_unit": "U01", "deadline": "2026-02-30",
                               "feedback_cycle": "daily", "key": "maybe"}, "disp", 400)["fields"]
    assert set(f) == {"title", "source", "deadline", "feedback_cycle", "key"}
    assert list(world.error("/tasks", {**ok, "co_units": ["U01"]}, "disp", 400)["fields"]) == ["co_units"]
    assert list(world.error("/tasks", {**ok, "deadline": "2026-11-01", "date": "2026-11-02"}, "disp",
                            400)["fields"]) == ["deadline"]
    world.error("/tasks", {**ok, "date": "2026-11-26"}, "disp", 400)  # tomorrow
    world.error("/tasks", {**ok, "id": "T00009"}, "disp", 400)
    assert client.post(API + "/tasks", json=ok).status_code == 401
    assert world.count() == before


def upload(world, data: bytes, name: str, who: str = "rep1") -> dict:
    r = world.client.post(API + "/attachments", headers=world.h[who], content_type="multipart/form-data",
                          data={"file": (io.BytesIO(data), name)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_full_life(world):
    tid = world.register(feedback_cycle="weekly")
    draft = upload(world, "关于中期评估审议意见的办理情况（初稿）".encode(), "初稿.txt")
    report = upload(world, "关于中期评估审议意见的办理情况报告".encode(), "报告.txt")
    steps = [("acknowledge", {"note": "已收到", "date": "2026-11-03"}, "rep2", "assigned"),
             ("acknowledge", {"date": "2026-11-03"}, "rep1", "in_progress"),
             ("feedback", {"progress": "已起草", "attachments": [draft["sha256"]], "date": "2026-11-09"},
              "rep1", "in_progress"),
             ("feedback", {"progress": "配合提供数据", "date": "2026-11-10"}, "rep2", "in_progress"),
             ("urge", {"note": "请加快", "date": "2026-11-12"}, "wq", "in_progress"),
             ("extension-request", {"deadline": "2027-01-15", "reason": "需等待审议",
                                    "date": "2026-11-13"}, "rep1", "in_progress"),
             ("extension-decision", {"approve": True, "note": "同意", "date": "2026-11-14"}, "disp",
              "in_progress"),
             ("completion", {"report": "已书面报告", "attachments": [report["sha256"]], "date": "2026-11-16"},
              "rep1",
              "awaiting_acceptance"),
             ("send-back", {"reason": "报告不完整", "date": "2026-11-17"}, "disp", "in_progress"),
             ("completion", {"report": "已补充", "date": "2026-11-18"}, "rep1", "awaiting_acceptance"),
             ("accept", {"note": "同意销号", "date": "2026-11-19"}, "disp", "completed"),
             ("evaluation", {"rating": "unsatisfied", "note": "答复不具体", "date": "2026-11-20"}, "disp",
              "in_progress"),
             ("completion", {"report": "再次答复", "date": "2026-11-21"}, "rep1", "awaiting_acceptance"),
             ("accept", {"note": "同意", "date": "2026-11-23"}, "disp", "completed"),
             ("evaluation", {"rating": "satisfied", "date": "2026-11-24"}, "disp", "completed")]
    for action, body, who, status in steps:
        world.act(tid, action, body, who)
        assert world.get(f"/tasks/{tid}")["status"] == status, action
    t = world.get(f"/tasks/{tid}")
    assert {k: t[k] for k in ("acknowledged_date", "feedback_count", "last_feedback_date", "urge_count",
                              "extension_count", "completed_date", "days_to_complete", "on_time",
                              "rating", "deadline", "light", "version")} == {
        "acknowledged_date": "2026-11-03", "feedback_count": 2, "last_feedback_date": "2026-11-09",
        "urge_count": 1, "extension_count": 1, "completed_date": "2026-11-21", "days_to_complete": 19,
        "on_time": True, "rating": "satisfied", "deadline": "2027-01-15", "light": None, "version": 16}
    history = world.get(f"/tasks/{tid}/history", "insp")
    assert history[3]["data"] == {"unit": "U01", "lead": True, "progress": "已起草",
                                  "attachments": [draft]}  # the file's hash, name, size and type
    assert history[5]["type"] == "TaskUrged" and history[5]["actor"] == "wq"
    assert history[5]["data"]["notice_number"] == "区发改督〔2026〕2号"
    assert history[5]["data"]["lead_unit"] == "U01" and history[5]["data"]["deadline"] == "2026-12-31"
    assert history[7]["data"] == {"approve": True, "note": "同意", "lead_unit": "U01",
                                  "deadline": "2027-01-15", "previous": "2026-12-31"}
    assert [e["date"] for e in history] == sorted(e["date"] for e in history)


def test_unit_rules(world):
    tid = world.register()
    before = world.count()
    assert "本单位" in world.error(f"/tasks/{tid}/acknowledge", {}, "rep3", 403)["message"]
    world.error(f"/tasks/{tid}/feedback", {"progress": "x"}, "rep3", 403)
    for action, body in [("return", {"reason": "x"}), ("completion", {"report": "x"}),
                         ("extension-request", {"deadline": "2027-01-31", "reason": "x"})]:
        assert "配合单位" in world.error(f"/tasks/{tid}/{action}", body, "rep2", 403)["message"], action
    for who in ("disp", "admin", "wq", "insp"):
        world.error(f"/tasks/{tid}/acknowledge", {}, who, 403)
    for action, body in [("reassign", {"lead_unit": "U02", "reason": "x"}),
                         ("extension-decision", {"approve": True, "note": "x"}),
                         ("accept", {"note": "x"}), ("send-back", {"reason": "x"}),
                         ("evaluation", {"rating": "satisfied"}), ("withdraw", {"reason": "x"})]:
        for who in ("rep1", "wq", "insp"):
            world.error(f"/tasks/{tid}/{action}", body, who, 403)
    assert "本人" in world.error(f"/tasks/{tid}/urge", {"note": "x"}, "zs", 403)["message"]
    world.error(f"/tasks/{tid}/urge", {"note": "x"}, "insp", 403)
    world.error(f"/tasks/{tid}/urge", {"note": "x"}, "rep1", 403)
    world.error("/tasks/T09999/acknowledge", {}, "rep1", 404)
    assert world.count() == before
    # a co-unit may give feedback before the lead unit acknowledges; the lead unit may not
    world.act(tid, "feedback", {"progress": "配合"}, "rep2")
    assert "签收" in world.error(f"/tasks/{tid}/feedback", {"progress": "x"}, "rep1", 422)["message"]
    world.act(tid, "acknowledge", {}, "rep1")
    assert "重复" in world.error(f"/tasks/{tid}/acknowledge", {}, "rep1", 422)["message"]


def test_state_refusals(world):
    tid = world.register()
    before = world.count()
    for action, body in [("completion", {"report": "x"}), ("accept", {"note": "x"}),
                         ("send-back", {"reason": "x"}), ("evaluation", {"rating": "satisfied"}),
                         ("extension-decision", {"approve": True, "note": "x"})]:
        who = "rep1" if action == "completion" else "disp"
        err = world.error(f"/tasks/{tid}/{action}", body, who, 422)
        assert err["code"] == "not_allowed", action
    assert world.error(f"/tasks/{tid}/completion", {"report": "x"}, "rep1", 422)["message"] == \
        f"督办事项 {tid} 当前状态为“已交办”，尚未签收，不能报告办结。"
    assert "晚于当前时限" in world.error(f"/tasks/{tid}/extension-request",
                                   {"deadline": "2026-12-01", "reason": "x"}, "rep1", 422)["message"]
    world.error(f"/tasks/{tid}/feedback", {"progress": "x", "attachments": ["abc"]}, "rep2", 400)
    world.error(f"/tasks/{tid}/feedback", {"progress": "x", "attachments": [HASH.upper()]}, "rep2", 400)
    assert "请先上传" in world.error(f"/tasks/{tid}/feedback", {"progress": "x", "attachments": [HASH]},
                                  "rep2", 404)["message"]  # a file never uploaded
    world.error(f"/tasks/{tid}/acknowledge", {"date": "2026-11-01"}, "rep1", 400)  # before 交办
    world.error(f"/tasks/{tid}/evaluation", {"rating": "great"}, "disp", 400)
    world.error(f"/tasks/{tid}/extension-decision", {"approve": "perhaps", "note": "x"}, "disp", 400)
    assert world.count() == before
    world.act(tid, "extension-request", {"deadline": "2027-01-31", "reason": "x"}, "rep1")
    assert "待审批" in world.error(f"/tasks/{tid}/extension-request",
                                  {"deadline": "2027-02-28", "reason": "x"}, "rep1", 422)["message"]
    world.act(tid, "extension-decision", {"approve": False, "note": "不同意"}, "disp")
    t = world.get(f"/tasks/{tid}")
    assert (t["deadline"], t["extension_count"]) == ("2026-12-31", 0)
    world.error(f"/tasks/{tid}/extension-decision", {"approve": True, "note": "x"}, "disp", 422)
    world.act(tid, "withdraw", {"reason": "任务取消"}, "disp")
    assert world.get(f"/tasks/{tid}")["status"] == "withdrawn"
    for action, body, who in [("urge", {"note": "x"}, "disp"), ("withdraw", {"reason": "x"}, "disp"),
                              ("acknowledge", {}, "rep1"), ("reassign", {"lead_unit": "U02",
                                                                         "reason": "x"}, "disp")]:
        assert "已撤销" in world.error(f"/tasks/{tid}/{action}", body, who, 422)["message"]


def test_return_and_reassign(world):
    tid = world.register()
    world.act(tid, "acknowledge", {}, "rep2")
    world.act(tid, "return", {"reason": "不属于本单位职责"}, "rep1")
    assert world.get(f"/tasks/{tid}")["status"] == "returned"
    world.error(f"/tasks/{tid}/feedback", {"progress": "x"}, "rep1", 422)
    f = world.error(f"/tasks/{tid}/reassign", {"lead_unit": "U02", "reason": "x", "deadline": "2026-10-01"},
                    "disp", 400)["fields"]
    assert list(f) == ["deadline"]
    world.error(f"/tasks/{tid}/reassign", {"lead_unit": "U99", "reason": "x"}, "disp", 404)
    body = world.act(tid, "reassign", {"lead_unit": "U03", "reason": "改由城南镇牵头",
                                       "date": "2026-11-10"}, "disp")
    assert body["version"] == 4
    t = world.get(f"/tasks/{tid}")
    assert (t["status"], t["lead_unit"], t["co_units"], t["deadline"], t["acknowledged_date"]) == (
        "assigned", "U03", ["U02"], "2026-12-31", None)
    assert t["notice_number"] == "区发改督〔2026〕2号"
    world.error(f"/tasks/{tid}/acknowledge", {}, "rep1", 403)  # no longer its task
    world.act(tid, "acknowledge", {}, "rep2")  # the co-unit acknowledges the new assignment again
    world.act(tid, "acknowledge", {}, "rep3")
    assert world.get(f"/tasks/{tid}")["status"] == "in_progress"
    assert world.get("/tasks", "rep1") == []
    assert [t["id"] for t in world.get("/tasks", "rep2")] == [tid]


def test_command_id_and_expected_version(world):
    tid = world.register()
    body = {"note": "签收", "command_id": "ack-1"}
    first = world.act(tid, "acknowledge", body, "rep1")
    before = world.count()
    assert world.act(tid, "acknowledge", body, "rep1") == first
    assert world.count() == before
    world.error(f"/tasks/{tid}/urge", {"note": "x", "expected_version": 1}, "disp", 409)
    world.act(tid, "urge", {"note": "x", "expected_version": 2}, "disp")


def test_ledger_filters_visibility_and_as_of(world, clock):
    a = world.register(key=True)
    mid = clock.now
    b = world.register(lead_unit="U03", co_units=[], source="meeting", leader="张三", deadline="2026-11-27")
    c = world.register(lead_unit="U02", co_units=["U01"], source="public_request", deadline="2026-11-20",
                       date="2026-11-02")
    rows = world.get("/tasks")
    assert [r["id"] for r in rows] == [a, b, c]
    assert set(rows[0]) == {"id", "title", "source", "source_ref", "lead_unit", "co_units", "leader",
                            "deadline", "status", "light", "key", "acknowledged_date", "feedback_count",
                            "last_feedback_date", "urge_count", "extension_count", "completed_date",
                            "days_to_complete", "on_time", "rating", "version"}
    assert [r["light"] for r in rows] == ["yellow", "yellow", "red"]  # a, b unacknowledged / near
    assert [r["id"] for r in world.get("/tasks", light="red")] == [c]
    assert [r["id"] for r in world.get("/tasks", source="meeting")] == [b]
    assert [r["id"] for r in world.get("/tasks", key="true")] == [a]
    assert [r["id"] for r in world.get("/tasks", unit="U01")] == [a, c]
    assert [r["id"] for r in world.get("/tasks", status="assigned")] == [a, b, c]
    assert [r["id"] for r in world.get("/tasks", "rep2")] == [a, c]
    assert [r["id"] for r in world.get("/tasks", "rep3")] == [b]
    assert [r["id"] for r in world.get("/tasks", "wq")] == [a, c]
    assert [r["id"] for r in world.get("/tasks", "zs")] == [b]
    assert len(world.get("/tasks", "insp")) == 3
    world.get(f"/tasks/{b}", "rep1", expect=403)
    world.get(f"/tasks/{b}/history", "wq", expect=403)
    world.get("/tasks/T09999", expect=404)
    world.get("/tasks", light="blue", expect=400)
    assert [r["id"] for r in world.get("/tasks", as_of=mid.isoformat())] == [a]
    # a status and a unit together, and a status within a reporter's tasks
    world.act(c, "acknowledge", {}, "rep2")
    assert [r["id"] for r in world.get("/tasks", status="assigned", unit="U01")] == [a]
    assert [r["id"] for r in world.get("/tasks", status="in_progress", unit="U01")] == [c]
    assert world.get("/tasks", status="in_progress", unit="U03") == []
    assert [r["id"] for r in world.get("/tasks", "rep2", status="assigned")] == [a]


def test_appraisal(world):
    a = world.register(date="2026-03-02", deadline="2026-04-30", feedback_cycle="monthly")
    world.act(a, "acknowledge", {"date": "2026-03-03"}, "rep1")
    world.act(a, "feedback", {"progress": "x", "date": "2026-04-01"}, "rep1")  # due 04-03: on time
    world.act(a, "completion", {"report": "x", "date": "2026-04-28"}, "rep1")
    world.act(a, "accept", {"note": "x", "date": "2026-05-06"}, "disp")
    world.act(a, "evaluation", {"rating": "basically_satisfied", "date": "2026-05-07"}, "disp")
    b = world.register(date="2026-03-02", deadline="2026-03-31")  # acknowledged late, done late
    world.act(b, "acknowledge", {"date": "2026-03-09"}, "rep1")
    world.act(b, "completion", {"report": "x", "date": "2026-04-10"}, "rep1")
    world.act(b, "accept", {"note": "x", "date": "2026-04-11"}, "disp")
    world.act(b, "evaluation", {"rating": "unsatisfied", "date": "2026-04-12"}, "disp")
    c = world.register(lead_unit="U02", co_units=[], source="meeting", date="2026-06-01",
                       deadline="2026-06-30", feedback_cycle="weekly")
    world.act(c, "acknowledge", {"date": "2026-06-02"}, "rep2")
    world.act(c, "feedback", {"progress": "x", "date": "2026-06-12"}, "rep2")  # due 06-09: late
    d = world.register(date="2026-08-03")
    world.act(d, "withdraw", {"reason": "x"}, "disp")
    r = world.get("/reports/tasks", year=2026, through="2026-06")
    assert r["through"] == "2026-06-30" and r["total"] == 3
    assert r["by_source"]["npc_suggestion"] == 2 and r["by_source"]["meeting"] == 1
    assert r["by_status"] == {"assigned": 0, "in_progress": 2, "returned": 0, "awaiting_acceptance": 0,
                              "completed": 1, "withdrawn": 0}
    assert r["by_light"] == {"red": 2, "yellow": 0, "green": 0}
    assert (r["completed"], r["completed_on_time"], r["on_time_rate"]) == (1, 1, 1.0)
    assert r["units"] == [
        {"unit": "U01", "assigned": 2, "completed": 1, "completed_on_time": 1, "on_time_rate": 1.0,
         "acknowledged_on_time_rate": 0.5, "feedback_on_time_rate": 1.0, "satisfaction_rate": 0.5},
        {"unit": "U02", "assigned": 1, "completed": 0, "completed_on_time": 0, "on_time_rate": 0.0,
         "acknowledged_on_time_rate": 1.0, "feedback_on_time_rate": 0.0, "satisfaction_rate": 0.0}]
    assert world.get("/reports/tasks", through="2026-12-31")["total"] == 4
    world.get("/reports/tasks", through="2026-13", expect=400)
    world.get("/reports/tasks", year=2025, through="2026-06", expect=400)
    world.get("/reports/tasks", "rep1", expect=403)


def test_problems_get_the_same_light(world):
    def problem(deadline: str) -> str:
        pid = world.post("/problems", {"category": "land", "description": "用地指标不足",
                                       "source": "meeting", "date": "2026-11-02"})["id"]
        if deadline:
            world.post(f"/problems/{pid}/dispatch", {"level": 1, "decision": "协调", "responsible_unit": "U01",
                                                     "deadline": deadline, "date": "2026-11-02"})
        return pid
    # today is Wednesday 2026-11-25: 11-27 is two working days away, 12-01 four
    late, near, far, raised = problem("2026-11-24"), problem("2026-11-27"), problem("2026-12-01"), problem("")
    lights = {p["id"]: p["light"] for p in world.get("/problems")}
    assert [lights[p] for p in (late, near, far, raised)] == ["red", "yellow", "green", "green"]
    world.post(f"/problems/{late}/withdraw", {"reason": "重复"})
    assert world.get(f"/problems/{late}")["light"] is None
