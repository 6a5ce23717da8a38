"""Major projects through the API: commands, refusals, scoping, figures and as_of."""
import pytest
from sqlalchemy import select

from app.views.projects import annual_plan_amounts, plan_ratio, ytd_investment
from app.projections.projects import PROJECTION, project_leaders, project_stages
from tests.conftest import make_user, token_for

API = "/api/v1"
PROJECT = {"code": "XM001", "name": "城南污水处理厂", "category": "district", "stage": "preliminary",
           "owner_unit": "U01", "responsible_unit": "U02", "total_investment": 52000}


@pytest.fixture
def svc(app):
    return app.extensions["duban"]


@pytest.fixture
def disp(svc, client):
    make_user(svc, "disp", "dispatcher")
    headers = token_for(client, "disp")
    for code, name in (("U01", "城投公司"), ("U02", "城南镇"), ("U03", "城北镇")):
        r = client.post(f"{API}/units", json={"code": code, "name": name, "kind": "township"},
                        headers=headers)
        assert r.status_code == 201, r.get_json()
    return headers


def post(client, path, body, headers, status=201):
    r = client.post(API + path, json=body, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def get(client, path, headers, status=200, **query):
    r = client.get(API + path, query_string=query, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def event_count(client, headers) -> int:
    return len(get(client, "/events", headers, limit=1000))


def fields_of(answer) -> dict:
    return answer["error"]["fields"]


def test_register_and_read(client, disp, svc):
    body = post(client, "/projects", {**PROJECT, "leader": "李副区长", "planned_start": "2026-03-01",
                                      "date": "2026-01-15"}, disp)
    assert body["id"] == "XM001" and body["version"] == 1
    assert [e["type"] for e in body["events"]] == ["ProjectRegistered"]
    p = get(client, "/projects/XM001", disp)
    assert {k: p[k] for k in PROJECT} == PROJECT
    assert p["leader"] == "李副区长" and p["planned_start"] == "2026-03-01"
    assert p["registered_on"] == "2026-01-15" and p["version"] == 1
    assert p["year"] == 2026 and p["ytd_investment"] == 0 and p["plan_ratio"] is None
    assert p["annual_plans"] == {} and p["progress"] == [] and p["stats_entry_on"] is None
    with svc.engine.connect() as c:
        assert c.execute(select(project_stages)).all() == [("XM001", 1, "preliminary", "2026-01-15")]
        assert c.execute(select(project_leaders)).all() == [("XM001", 1, "李副区长", "2026-01-15")]
    # without a date the business date is today (the clock's day in Asia/Shanghai)
    post(client, "/projects", {**PROJECT, "code": "XM002"}, disp)
    p2 = get(client, "/projects/XM002", disp)
    assert p2["registered_on"] == "2026-11-25" and p2["leader"] is None


def test_register_refusals_append_nothing(app, client, disp, svc):
    post(client, "/projects", PROJECT, disp)
    before = event_count(client, disp)
    r = post(client, "/projects", {**PROJECT, "code": "XM 2", "category": "national", "stage": "done",
                                   "total_investment": -1, "name": None}, disp, 400)
    f = fields_of(r)
    assert set(f) == {"code", "category", "stage", "total_investment", "name"}
    assert "必须是以下之一" in f["category"][0] and "必须是以下之一" in f["stage"][0]
    r = post(client, "/projects", {"code": "XM003"}, disp, 400)
    assert fields_of(r)["owner_unit"] == ["必填项，不能为空。"]
    r = post(client, "/projects", {**PROJECT, "code": "XM003", "date": "2026-11-26"}, disp, 400)
    assert "date" in fields_of(r)
    r = post(client, "/projects", PROJECT, disp, 409)
    assert "已存在" in r["error"]["message"]
    r = post(client, "/projects", {**PROJECT, "code": "XM003", "owner_unit": "U99"}, disp, 404)
    assert "业主单位" in r["error"]["message"]
    r = post(client, "/projects", {**PROJECT, "code": "XM003", "responsible_unit": "U99"}, disp, 404)
    assert "责任单位" in r["error"]["message"]
    assert client.post(f"{API}/projects", json={**PROJECT, "code": "XM003"}).status_code == 401
    for username, role, unit in (("rep", "unit_reporter", "U01"), ("ldr", "leader", None),
                                 ("insp", "inspector", None)):
        make_user(svc, username, role, unit)
        r = post(client, "/projects", {**PROJECT, "code": "XM003"}, token_for(client, username), 403)
        assert r["error"]["message"]
    assert event_count(client, disp) == before + 3  # only the three users


def test_annual_plan_replaces_and_stale_version(client, disp):
    post(client, "/projects", PROJECT, disp)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 8000}, disp)
    r = post(client, "/projects/XM001/annual-plans",
             {"year": 2026, "planned_investment": 9000, "expected_version": 2}, disp)
    assert r["version"] == 3 and r["events"][0]["type"] == "AnnualPlanSet"
    post(client, "/projects/XM001/annual-plans", {"year": 2027, "planned_investment": 100}, disp)
    p = get(client, "/projects/XM001", disp)
    assert p["annual_plans"] == {"2026": 9000.0, "2027": 100.0}
    assert p["planned_investment"] == 9000.0 and p["version"] == 4
    before = event_count(client, disp)
    r = post(client, "/projects/XM001/annual-plans",
             {"year": 2026, "planned_investment": 1, "expected_version": 2}, disp, 409)
    assert "版本" in r["error"]["message"]
    r = post(client, "/projects/XM001/annual-plans", {"year": 1900, "planned_investment": -5}, disp,
             400)
    assert set(fields_of(r)) == {"year", "planned_investment"}
    r = post(client, "/projects/XM404/annual-plans", {"year": 2026, "planned_investment": 1}, disp,
             404)
    assert "XM404" in r["error"]["message"]
    post(client, "/projects/XM404/annual-plans",
         {"year": 2026, "planned_investment": 1, "expected_version": 1}, disp, 404)
    assert event_count(client, disp) == before


def test_leader_and_stage(client, disp, svc):
    post(client, "/projects", {**PROJECT, "leader": "李副区长"}, disp)
    post(client, "/projects/XM001/leader", {"leader": "王副区长", "date": "2026-02-01"}, disp)
    r = post(client, "/projects/XM001/leader", {"leader": "王副区长"}, disp, 422)
    assert "王副区长" in r["error"]["message"]
    post(client, "/projects/XM001/stage", {"stage": "planned_new", "date": "2026-02-10"}, disp)
    post(client, "/projects/XM001/stage", {"stage": "new_start", "date": "2026-04-02"}, disp)
    r = post(client, "/projects/XM001/stage", {"stage": "new_start"}, disp, 422)
    assert "新开工" in r["error"]["message"]
    post(client, "/projects/XM001/stage", {"stage": "sideways"}, disp, 400)
    post(client, "/projects/XM001/stage", {"stage": "completed", "date": "2026-10-30"}, disp)
    r = post(client, "/projects/XM001/stage", {"stage": "continuing"}, disp, 422)
    assert "竣工" in r["error"]["message"]
    post(client, "/projects/XM009/leader", {"leader": "王副区长"}, disp, 404)
    post(client, "/projects/XM009/stage", {"stage": "reserve"}, disp, 404)
    post(client, "/projects/XM001/leader", {"leader": ""}, disp, 400)
    p = get(client, "/projects/XM001", disp)
    assert p["leader"] == "王副区长" and p["stage"] == "completed" and p["version"] == 5
    hist = get(client, "/projects/XM001/history", disp)
    assert [e["type"] for e in hist] == ["ProjectRegistered", "LeaderAssigned", "StageChanged",
                                         "StageChanged", "StageChanged"]
    assert hist[1]["data"] == {"project": "XM001", "leader": "王副区长", "previous": "李副区长"}
    assert hist[1]["date"] == "2026-02-01" and hist[1]["actor"] == "disp"
    assert hist[3]["data"]["previous"] == "planned_new"
    with svc.engine.connect() as c:
        stages = c.execute(select(project_stages).order_by(project_stages.c.seq)).all()
        leaders = c.execute(select(project_leaders).order_by(project_leaders.c.seq)).all()
    assert [(s.seq, s.stage, s.on_date) for s in stages] == [
        (1, "preliminary", "2026-11-25"), (2, "planned_new", "2026-02-10"),
        (3, "new_start", "2026-04-02"), (4, "completed", "2026-10-30")]
    assert [(x.seq, x.leader) for x in leaders] == [(1, "李副区长"), (2, "王副区长")]


def test_progress_and_corrections(client, disp):
    post(client, "/projects", PROJECT, disp)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 1000}, disp)
    first = {"period": "2026-03", "month_investment": 200, "image_progress": "完成桩基 30%"}
    r = post(client, "/projects/XM001/progress", first, disp)
    assert r["events"][0]["type"] == "ProgressSubmitted"
    before = event_count(client, disp)
    r = post(client, "/projects/XM001/progress", {**first, "month_investment": 150}, disp, 400)
    assert list(fields_of(r)) == ["reason"] and "更正原因" in fields_of(r)["reason"][0]
    post(client, "/projects/XM001/progress", {**first, "reason": "  "}, disp, 400)
    r = post(client, "/projects/XM001/progress", {**first, "period": "2026-12"}, disp, 400)
    assert "本月" in fields_of(r)["period"][0]
    r = post(client, "/projects/XM001/progress",
             {"period": "2026-13", "month_investment": -1, "image_progress": ""}, disp, 400)
    assert set(fields_of(r)) == {"period", "month_investment", "image_progress"}
    post(client, "/projects/XM009/progress", first, disp, 404)
    assert event_count(client, disp) == before
    post(client, "/projects/XM001/progress",
         {**first, "month_investment": 150, "reason": "统计口径调整", "date": "2026-04-05"}, disp)
    post(client, "/projects/XM001/progress",
         {**first, "month_investment": 180, "reason": "再次核对"}, disp)
    post(client, "/projects/XM001/progress",
         {"period": "2026-04", "month_investment": 120.5, "image_progress": "主体施工"}, disp)
    p = get(client, "/projects/XM001", disp)
    assert p["ytd_investment"] == 300.5 and p["plan_ratio"] == pytest.approx(0.3005)
    assert p["last_period"] == "2026-04" and p["version"] == 6
    march = p["progress"][0]
    assert march == {"period": "2026-03", "month_investment": 180.0, "image_progress": "完成桩基 30%",
                     "submissions": 3, "reason": "再次核对", "submitted_on": "2026-11-25",
                     "outlier": False}
    hist = get(client, "/projects/XM001/history", disp)
    corrections = [e["data"] for e in hist if e["type"] == "ProgressSubmitted"]
    assert [(d["corrects"], d["month_investment"], d["reason"]) for d in corrections] == [
        (0, 200.0, None), (1, 150.0, "统计口径调整"), (2, 180.0, "再次核对"), (0, 120.5, None)]
    assert hist[3]["date"] == "2026-04-05"


def test_unit_reporter_scoping(client, disp, svc):
    post(client, "/projects", PROJECT, disp)  # owner U01, responsible U02
    post(client, "/projects", {**PROJECT, "code": "XM002", "owner_unit": "U03",
                               "responsible_unit": "U03"}, disp)
    for name, unit in (("owner", "U01"), ("resp", "U02"), ("other", "U03")):
        make_user(svc, name, "unit_reporter", unit)
    owner, resp, other = (token_for(client, n) for n in ("owner", "resp", "other"))
    body = {"period": "2026-10", "month_investment": 50, "image_progress": "土方开挖"}
    post(client, "/projects/XM001/progress", body, resp)
    post(client, "/projects/XM001/progress", {**body, "reason": "填错金额"}, owner)
    before = event_count(client, disp)
    r = post(client, "/projects/XM001/progress", {**body, "reason": "x"}, other, 403)
    assert "无权" in r["error"]["message"]
    post(client, "/projects/XM001/stage", {"stage": "new_start"}, resp, 403)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 1}, resp, 403)
    post(client, "/projects/XM001/stats-entry", {"date": "2026-10-01"}, resp, 403)
    post(client, "/projects/XM001/leader", {"leader": "王副区长"}, owner, 403)
    assert event_count(client, disp) == before
    assert [p["code"] for p in get(client, "/projects", resp)] == ["XM001"]
    assert [p["code"] for p in get(client, "/projects", other)] == ["XM002"]
    assert get(client, "/projects", other, unit="U01") == []
    assert get(client, "/projects/XM001", owner)["progress"][0]["submissions"] == 2
    r = get(client, "/projects/XM001", other, 403)
    assert "无权" in r["error"]["message"]
    get(client, "/projects/XM001/history", other, 403)
    assert len(get(client, "/projects/XM001/history", resp)) == 3
    assert len(get(client, "/projects", disp)) == 2


def test_stats_entry(client, disp):
    post(client, "/projects", PROJECT, disp)
    r = post(client, "/projects/XM001/stats-entry", {}, disp, 400)
    assert fields_of(r)["date"] == ["必填项，不能为空。"]
    post(client, "/projects/XM001/stats-entry", {"date": "2026-12-01"}, disp, 400)
    post(client, "/projects/XM009/stats-entry", {"date": "2026-05-01"}, disp, 404)
    post(client, "/projects/XM001/stats-entry", {"date": "2026-05-06"}, disp)
    r = post(client, "/projects/XM001/stats-entry", {"date": "2026-06-01"}, disp, 422)
    assert "2026-05-06" in r["error"]["message"]
    p = get(client, "/projects/XM001", disp)
    assert p["stats_entry_on"] == "2026-05-06" and p["version"] == 2


def test_ytd_plan_ratio_and_filters(client, disp, svc):
    post(client, "/projects", {**PROJECT, "leader": "李副区长"}, disp)
    post(client, "/projects", {**PROJECT, "code": "XM002", "category": "provincial",
                               "stage": "continuing", "owner_unit": "U03",
                               "responsible_unit": "U03"}, disp)
    for code, year, plan in (("XM001", 2025, 400), ("XM001", 2026, 2000), ("XM002", 2026, 0)):
        post(client, f"/projects/{code}/annual-plans", {"year": year, "planned_investment": plan},
             disp)
    for code, period, amount in (("XM001", "2025-12", 300), ("XM001", "2026-01", 250.25),
                                 ("XM001", "2026-02", 249.75), ("XM001", "2026-06", 500),
                                 ("XM002", "2026-02", 70)):
        post(client, f"/projects/{code}/progress",
             {"period": period, "month_investment": amount, "image_progress": "施工中"}, disp)
    listed = {p["code"]: p for p in get(client, "/projects", disp)}
    assert listed["XM001"]["ytd_investment"] == 1000 and listed["XM001"]["plan_ratio"] == 0.5
    # a zero plan has nothing to compare with
    assert listed["XM002"]["ytd_investment"] == 70 and listed["XM002"]["plan_ratio"] is None
    last_year = {p["code"]: p for p in get(client, "/projects", disp, year=2025)}
    assert last_year["XM001"]["ytd_investment"] == 300 and last_year["XM001"]["plan_ratio"] == 0.75
    assert last_year["XM002"]["ytd_investment"] == 0 and last_year["XM002"]["plan_ratio"] is None
    detail = get(client, "/projects/XM001", disp, year=2025)
    assert [m["period"] for m in detail["progress"]] == ["2025-12"]
    assert [p["code"] for p in get(client, "/projects", disp, category="provincial")] == ["XM002"]
    assert [p["code"] for p in get(client, "/projects", disp, stage="preliminary")] == ["XM001"]
    assert [p["code"] for p in get(client, "/projects", disp, unit="U02")] == ["XM001"]
    assert [p["code"] for p in get(client, "/projects", disp, leader="李副区长")] == ["XM001"]
    r = get(client, "/projects", disp, 400, category="national", year="soon")
    assert set(fields_of(r)) == {"category", "year"}
    get(client, "/projects/XM404", disp, 404)
    get(client, "/projects/XM404/history", disp, 404)
    # the shared read functions the reports use
    with svc.engine.connect() as c:
        assert ytd_investment(c, 2026) == {"XM001": 1000.0, "XM002": 70.0}
        assert ytd_investment(c, 2026, through="2026-02") == {"XM001": 500.0, "XM002": 70.0}
        assert ytd_investment(c, 2026, through="2026-01", codes=["XM002"]) == {}
        assert annual_plan_amounts(c, 2026) == {"XM001": 2000.0, "XM002": 0.0}
    assert plan_ratio(5, None) is None and plan_ratio(5, 20) == 0.25


def test_as_of_equals_live_answer_then(client, disp, clock):
    post(client, "/projects", {**PROJECT, "leader": "李副区长"}, disp)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 1000}, disp)
    post(client, "/projects/XM001/progress",
         {"period": "2026-09", "month_investment": 100, "image_progress": "施工中"}, disp)
    clock.advance(seconds=5)
    live = {path: get(client, path, disp) for path in
            ("/projects", "/projects/XM001", "/projects/XM001/history")}
    then = clock.now.isoformat()
    clock.advance(seconds=5)
    post(client, "/projects/XM001/progress",
         {"period": "2026-09", "month_investment": 40, "image_progress": "施工中", "reason": "核减"},
         disp)
    post(client, "/projects/XM001/stage", {"stage": "new_start"}, disp)
    post(client, "/projects", {**PROJECT, "code": "XM002"}, disp)
    assert get(client, "/projects/XM001", disp)["ytd_investment"] == 40
    for path, answer in live.items():
        assert get(client, path, disp, as_of=then) == answer
    assert live["/projects/XM001"]["ytd_investment"] == 100
    get(client, "/projects/XM002", disp, 404, as_of=then)
    get(client, "/projects", disp, 400, as_of="yesterday")


def test_idempotent_command(client, disp):
    post(client, "/projects", PROJECT, disp)
    body = {"period": "2026-05", "month_investment": 10, "image_progress": "施工中",
            "command_id": "prog-1"}
    first = post(client, "/projects/XM001/progress", body, disp)
    again = post(client, "/projects/XM001/progress", body, disp)
    assert first == again
    assert get(client, "/projects/XM001", disp)["progress"][0]["submissions"] == 1


def test_rebuild_equals_live(client, disp, svc):
    post(client, "/projects", {**PROJECT, "leader": "李副区长", "planned_start": "2026-05-01"}, disp)
    post(client, "/projects", {**PROJECT, "code": "XM002", "stage": "reserve"}, disp)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 10}, disp)
    post(client, "/projects/XM001/annual-plans", {"year": 2026, "planned_investment": 12}, disp)
    post(client, "/projects/XM002/leader", {"leader": "王副区长"}, disp)
    post(client, "/projects/XM002/leader", {"leader": "赵副区长"}, disp)
    post(client, "/projects/XM001/stage", {"stage": "planned_new", "date": "2026-01-03"}, disp)
    progress = {"period": "2026-02", "month_investment": 3, "image_progress": "开工准备"}
    post(client, "/projects/XM001/progress", progress, disp)
    post(client, "/projects/XM001/progress", {**progress, "period": "2026-01"}, disp)
    post(client, "/projects/XM001/progress", {**progress, "reason": "更正", "month_investment": 4},
         disp)
    post(client, "/projects/XM002/stats-entry", {"date": "2026-03-03"}, disp)

    def dump():
        with svc.engine.connect() as c:
            return {t.name: sorted(tuple(r) for r in c.execute(select(t))) for t in PROJECTION.tables}

    live = dump()
    assert live["proj_projects"][0][-2:] == ("2026-02", 7)  # last_period, version of XM001
    svc.projections.rebuild(svc.store)
    assert dump() == live
