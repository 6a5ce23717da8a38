"""The demonstration district: loaded through the commands, it shows the seed report's figures."""
from __future__ import annotations

from sqlalchemy import select

from app.demo.load import DEMO_USERS, script
from app.events.store import EventStore
from app.projections.problems import problem_dispatches, problems
from tests.conftest import token_for


def test_script_is_deterministic_and_dated_in_2019():
    first, again = script(), script()
    assert [(op.key, op.payload) for op in first] == [(op.key, op.payload) for op in again]
    assert len({op.key for op in first}) == len(first)
    assert all(op.day.year == 2019 for op in first)


def _summary(client, headers, through: str) -> dict:
    r = client.get(f"/api/v1/reports/summary?year=2019&through={through}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_demo_shows_the_seed_figures(app, client, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "演示数据已加载" in result.output and "dispatcher123" in result.output

    headers = token_for(client, "dispatcher", "dispatcher123")
    june = _summary(client, headers, "2019-06")
    assert june["projects"] == {"major": 60, "with_leader": 60, "leader_coverage": 1.0}
    assert june["new_starts"] == {"planned": 27, "started": 16, "rate": 0.5926}
    assert june["stats_entry"]["new_entries"] == 48
    assert june["double_half"] == {"units_with_task": 26, "units_behind": 16,
                                   "behind_ratio": 0.6154}
    assert june["reserve"]["count"] == 230 and june["reserve"]["total_investment"] > 0
    # "开展纪律作风督查30次，发出督查通报2期": discipline inspections by themselves
    assert june["inspections"]["by_kind"] == {"discipline": 30, "project": 6, "self_check": 6}
    assert june["inspections"]["bulletins"] == 2
    inv = june["investment"]
    assert 0.3 < inv["ratio"] < 0.7 and inv["completed"] > 0
    assert all(inv["by_category"][c]["plan"] > 0 for c in inv["by_category"])
    # "1-5月，共调度问题项目24个，已解决落实问题19个": as the 1-5月 report published on 5 June
    # states it; a problem reopened in July has since made it 18
    may = _summary(client, headers, "2019-05")["dispatch"]
    assert may["problem_projects"] == 24 and may["problems_resolved"] == 18
    assert may["meetings"] > 0 and may["problems_dispatched"] >= 24
    listed = client.get("/api/v1/reports/published", headers=headers).get_json()
    assert [(r["id"], r["through"], r["published_on"]) for r in listed] == [
        ("R0001", "2019-05", "2019-06-05"), ("R0002", "2019-06-25", "2019-06-25")]
    sent = client.get("/api/v1/reports/published/R0001", headers=headers).get_json()
    assert sent["figures"]["dispatch"]["problem_projects"] == 24
    assert sent["figures"]["dispatch"]["problems_resolved"] == 19
    [diff] = sent["differences"]
    assert (diff["figure"], diff["published"], diff["now"]) == ("dispatch.problems_resolved", 19, 18)
    [reopening] = diff["positions"]
    event = client.get(f"/api/v1/events?after={reopening - 1}&limit=1", headers=headers).get_json()
    assert event[0]["type"] == "ProblemReopened" and event[0]["date"].startswith("2019-07")

    # the report's own day: "2019年6月25日"
    day = _summary(client, headers, "2019-06-25")
    assert day["through"] == "2019-06-25"
    assert day["stats_entry"]["new_entries"] == 48 and day["inspections"]["bulletins"] == 2
    assert day["inspections"]["by_kind"]["discipline"] == 30 and day["reserve"]["count"] == 230
    assert day["new_starts"] == june["new_starts"] and day["double_half"] == june["double_half"]
    assert day["dispatch"]["meetings"] < june["dispatch"]["meetings"]  # the meeting of 6-27
    # 三(二): "目前仍有13个单位未入库投资项目 … 有16个单位不能完成双过半任务，占26个有任务单位总数的61％"
    assert day["stats_entry"]["units_without_entry"] == 13
    assert day["forecast"] == {"month": 6, "units_behind": 16, "behind_ratio": 0.6154}
    lines = day["lines"]  # 省市重点12 / 区级重大60 / 续建25 / 重抓重推15
    assert [lines[k]["count"] for k in ("provincial_municipal", "district_major", "continuing",
                                        "key_push")] == [12, 60, 25, 15]
    assert day["funding"]["projects"] == 4 and day["funding"]["central_budget"] > 0
    assert (day["funding"]["central_budget"] + day["funding"]["self_and_other"]
            == day["funding"]["total_investment"])
    funds = client.get("/api/v1/funding?source=central_budget&stage=applied",
                       headers=headers).get_json()
    assert {"CB2019001", "CB2019002", "CB2019003"} <= {r["project"] for r in funds}

    svc = app.extensions["duban"]
    with svc.engine.connect() as conn:
        levels = set(conn.execute(select(problem_dispatches.c.level)).scalars())
        escalated = conn.execute(select(problems.c.id).where(problems.c.escalation_count > 0)).all()
        found = conn.execute(select(problems.c.id).where(problems.c.source == "inspection")).all()
    assert levels == {1, 2, 3} and escalated and found
    store: EventStore = svc.store
    # the facts of the district (not accounts nor logins) are all dated in its half year
    dated = [ev.business_date for ev in store.read_all()
             if ev.stream_type not in ("user", "security")]
    assert dated and all(day.startswith("2019-") for day in dated)

    for username, password, *_ in DEMO_USERS:  # every demo account logs in
        token_for(client, username, password)

    again = runner.invoke(args=["demo"])  # a second run changes nothing
    assert again.exit_code == 0 and "已有项目数据" in again.output
    assert _summary(client, headers, "2019-06") == june
