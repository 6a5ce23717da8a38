"""The policy fills the outbox with the event; the inbox and contacts over the API."""
from __future__ import annotations

from sqlalchemy import select

from app.notify.outbox import outbox
from tests.conftest import make_user, token_for
from tests.files.conftest import API


def inbox(world, who, **params):
    r = world.client.get(API + "/notifications", headers=world.h[who], query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_dispatch_tells_the_units_reporters_in_the_same_transaction(nworld):
    pid = nworld.problem_at("U01")
    mine = inbox(nworld, "rep1")
    assert len(mine) == 1 and mine[0]["title"].startswith("【交办】问题 " + pid)
    assert "2026-12-31" in mine[0]["body"] and mine[0]["link"] == f"/admin/problem-timeline/?id={pid}"
    assert mine[0]["read"] is False
    assert inbox(nworld, "rep2") == []  # another unit
    # the message's position is its event's: written by the same append
    history = nworld.client.get(f"{API}/problems/{pid}/history", headers=nworld.h["disp"]).get_json()
    assert mine[0]["position"] == history[-1]["position"]
    assert mine[0]["id"] == f"{history[-1]['position']}-rep1"


def test_each_rule(nworld):
    make_user(nworld.svc, "wq", "leader", display_name="王强")
    nworld.h["wq"] = token_for(nworld.client, "wq")
    pid = nworld.post("/problems", {"category": "land", "description": "征地难", "source": "meeting",
                                    "project": "XM001", "date": "2026-03-01"})["id"]
    nworld.post(f"/problems/{pid}/dispatch", {"level": 1, "decision": "协调", "responsible_unit": "U01",
                                              "deadline": "2026-12-31", "leader": "王强"})
    nworld.post(f"/problems/{pid}/urge", {"note": "请加快"})
    nworld.post(f"/problems/{pid}/escalate", {"reason": "一级未解决"})
    nworld.post(f"/problems/{pid}/extend", {"deadline": "2027-01-31", "reason": "征地程序"})
    nworld.post(f"/problems/{pid}/resolution", {"description": "已解决"}, who="rep1")
    nworld.post(f"/problems/{pid}/reject", {"reason": "材料不全"})
    nworld.post(f"/problems/{pid}/resolution", {"description": "已补材料"}, who="rep1")
    nworld.post(f"/problems/{pid}/verify", {"note": "同意销号"})
    titles = [m["title"][:6] for m in reversed(inbox(nworld, "rep1"))]
    assert titles == ["【交办】问题", "【催办】问题", "【延期】问题", "【退回重办】", "【已销号】问"]
    assert [m["title"][:7] for m in inbox(nworld, "wq")] == ["【提级调度】问"]
    assert [m["title"][:5] for m in reversed(inbox(nworld, "disp"))] == ["【待核验】", "【待核验】"]


def test_overdue_fact_tells_unit_and_dispatchers(nworld, clock):
    from datetime import datetime, timezone

    pid = nworld.post("/problems", {"category": "land", "description": "征地难", "source": "meeting",
                                    "date": "2026-03-01"})["id"]
    nworld.post(f"/problems/{pid}/dispatch", {"level": 1, "decision": "协调", "responsible_unit": "U02",
                                              "deadline": "2026-11-30"})
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc))
    from app.scheduler import run_job

    assert run_job(nworld.svc, "overdue")["outcome"] == "ok"
    assert inbox(nworld, "rep2")[0]["title"].startswith("【逾期】")
    assert inbox(nworld, "disp")[0]["title"].startswith("【逾期】")


def test_unread_filter_and_mark_read(nworld):
    pid = nworld.problem_at("U01")
    nworld.post(f"/problems/{pid}/urge", {"note": "请加快"})
    first, second = inbox(nworld, "rep1")
    r = nworld.client.post(f"{API}/notifications/{first['id']}/read", headers=nworld.h["rep1"])
    assert r.status_code == 200 and r.get_json()["read"] is True
    assert [m["id"] for m in inbox(nworld, "rep1", unread="true")] == [second["id"]]
    assert [m["id"] for m in inbox(nworld, "rep1", unread="false")] == [first["id"]]
    again = nworld.client.post(f"{API}/notifications/{first['id']}/read", headers=nworld.h["rep1"])
    assert again.get_json()["read_at"] == r.get_json()["read_at"]
    # someone else's message, or none: 404
    assert nworld.client.post(f"{API}/notifications/{second['id']}/read",
                              headers=nworld.h["rep2"]).status_code == 404
    assert nworld.client.post(f"{API}/notifications/nope/read",
                              headers=nworld.h["rep1"]).status_code == 404
    r = nworld.client.get(API + "/notifications", headers=nworld.h["rep1"],
                          query_string={"unread": "maybe"})
    assert r.status_code == 400 and "unread" in r.get_json()["error"]["fields"]
    assert nworld.client.get(API + "/notifications").status_code == 401


def test_contacts_by_the_admin_or_oneself(nworld):
    def post(who, user, body):
        return nworld.client.post(f"{API}/users/{user}/contact", json=body, headers=nworld.h[who])

    r = post("admin", "rep1", {"email": "li@example.gov.cn", "phone": "13800000000"})
    assert r.status_code == 200 and r.get_json() == {
        "username": "rep1", "email": "li@example.gov.cn", "phone": "13800000000",
        "quiet_hours": None, "digest": "immediate", "digest_time": None,
        "default_quiet_hours": "22:00-07:00", "default_digest_time": "08:30"}
    assert post("rep1", "rep1", {"phone": "13900000000"}).get_json()["email"] == "li@example.gov.cn"
    assert post("rep2", "rep1", {"email": "x@example.gov.cn"}).status_code == 403
    e = post("admin", "rep1", {"email": "not-an-address"}).get_json()["error"]
    assert "email" in e["fields"] and "格式" in e["fields"]["email"][0]
    assert post("admin", "nobody", {"email": "a@b.cn"}).status_code == 404
    assert post("admin", "rep1", {"fax": "1"}).status_code == 400


def test_outbox_rebuild_equals_live(nworld):
    make_user(nworld.svc, "wq", "leader", display_name="王强")
    pid = nworld.problem_at("U01")
    nworld.post(f"/problems/{pid}/urge", {"note": "请加快"})
    nworld.post(f"/problems/{pid}/escalate", {"reason": "未解决"})
    make_user(nworld.svc, "rep1b", "unit_reporter", "U01")
    nworld.post(f"/problems/{pid}/urge", {"note": "再催"})
    with nworld.svc.engine.connect() as conn:
        live = sorted(tuple(r) for r in conn.execute(select(outbox)))
    nworld.svc.projections.rebuild(nworld.svc.store)
    with nworld.svc.engine.connect() as conn:
        rebuilt = sorted(tuple(r) for r in conn.execute(select(outbox)))
    assert live == rebuilt
    # the reporter added later is told of what came after, not before
    assert [r[1] for r in live].count("rep1b") == 1


def test_a_near_deadline_is_reminded_once_per_deadline(nworld, clock):
    from datetime import datetime, timezone

    from app.scheduler import run_job

    pid = nworld.post("/problems", {"category": "land", "description": "征地难", "source": "meeting",
                                    "date": "2026-03-01"})["id"]
    nworld.post(f"/problems/{pid}/dispatch", {"level": 1, "decision": "协调", "responsible_unit": "U02",
                                              "deadline": "2026-12-05"})
    clock.set(datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc))  # 7 days before: not yet
    assert run_job(nworld.svc, "deadlines")["events"] == 0
    clock.set(datetime(2026, 12, 2, 0, 0, tzinfo=timezone.utc))  # 3 days before
    assert run_job(nworld.svc, "deadlines")["events"] == 1
    assert run_job(nworld.svc, "deadlines")["events"] == 0  # once per deadline
    m = inbox(nworld, "rep2")[0]
    assert m["title"].startswith("【临期提醒】") and "3 天后" in m["body"]
    problem = nworld.client.get(f"{API}/problems/{pid}", headers=nworld.h["disp"]).get_json()
    history = nworld.client.get(f"{API}/problems/{pid}/history", headers=nworld.h["disp"]).get_json()
    assert problem["version"] == len(history) and history[-1]["type"] == "ProblemDeadlineNear"
    nworld.post(f"/problems/{pid}/extend", {"deadline": "2026-12-20", "reason": "延期"})
    clock.set(datetime(2026, 12, 17, 0, 0, tzinfo=timezone.utc))
    assert run_job(nworld.svc, "deadlines")["events"] == 1  # a new deadline, a new reminder


def test_the_openapi_document_lists_the_new_routes(nworld):
    paths = nworld.client.get(API + "/openapi.json").get_json()["paths"]
    assert "post" in paths["/attachments"] and "get" in paths["/attachments/{sha256}"]
    assert "get" in paths["/notifications"] and "post" in paths["/notifications/{message_id}/read"]
    assert "post" in paths["/users/{username}/contact"]


def test_the_task_rules(nworld, clock):
    """督办事项: the lead and co-units are told of an assignment and an urge, the lead unit of the
    decisions on its task, the dispatchers of what waits for them, all of a red light."""
    from datetime import datetime, timezone

    from app.scheduler import run_job

    tid = nworld.post("/tasks", {"title": "报送十四五重大项目清单", "source": "superior",
                                 "lead_unit": "U01", "co_units": ["U02"], "deadline": "2026-11-30",
                                 "date": "2026-11-02"})["id"]
    assert [m["title"][:4] for m in inbox(nworld, "rep1")] == ["【督办】"]
    assert [m["title"][:4] for m in inbox(nworld, "rep2")] == ["【督办】"]
    assert "区发改督〔2026〕1号" in inbox(nworld, "rep1")[0]["body"]
    assert inbox(nworld, "rep1")[0]["link"] == f"/admin/task-timeline/?id={tid}"
    nworld.post(f"/tasks/{tid}/acknowledge", {}, who="rep1")
    nworld.post(f"/tasks/{tid}/urge", {"note": "请于月底前报送"})
    nworld.post(f"/tasks/{tid}/extension-request", {"deadline": "2026-12-15", "reason": "等待数据"},
                who="rep1")
    nworld.post(f"/tasks/{tid}/extension-decision", {"approve": False, "note": "按期完成"})
    nworld.post(f"/tasks/{tid}/completion", {"report": "已报送"}, who="rep1")
    nworld.post(f"/tasks/{tid}/send-back", {"reason": "缺少附表"})
    assert [m["title"][:6] for m in reversed(inbox(nworld, "rep1"))] == [
        "【督办】督办", "【催办】督办", "【延期审批】", "【退回重办】"]
    assert [m["title"][:4] for m in reversed(inbox(nworld, "rep2"))] == ["【督办】", "【催办】"]
    assert [m["title"][:5] for m in inbox(nworld, "disp")] == ["【待审核】"]
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc))  # the deadline has passed
    assert run_job(nworld.svc, "overdue")["outcome"] == "ok"
    assert inbox(nworld, "rep1")[0]["title"].startswith(f"【逾期】督办事项 {tid}")
    assert inbox(nworld, "disp")[0]["title"].startswith(f"【逾期】督办事项 {tid}")
