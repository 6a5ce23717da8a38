"""The demonstration's tasks: every light and every appraisal figure has something to show."""
from __future__ import annotations

from tests.conftest import token_for

def test_demo_tasks_show_every_light_and_figure(app, client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    h = token_for(client, "dispatcher", "dispatcher123")
    rows = client.get("/api/v1/tasks", headers=h).get_json()
    by_title = {r["title"]: r for r in rows}
    assert len(rows) == 10
    lights = {r["light"] for r in rows}
    assert lights == {"red", "yellow", "green", None}
    assert by_title["建立粮食库存大清查问题台账并整改"]["light"] == "red"
    assert by_title["起草上半年全区经济运行情况分析报告"]["light"] == "yellow"
    assert by_title["报送交通重大项目前期工作推进情况"]["light"] == "yellow"  # not acknowledged
    assert by_title["开展全区 5 家燃气企业经营情况调查"]["light"] == "green"
    npc = by_title["办理区人大常委会关于“十三五”规划纲要实施中期评估报告的审议意见"]
    assert (npc["status"], npc["rating"], npc["on_time"]) == ("completed", "satisfied", True)
    water = by_title["关于解决城北片区季节性缺水问题的建议"]
    assert (water["status"], water["rating"], water["light"]) == ("in_progress", "unsatisfied", "red")
    assert {r["source"] for r in rows} >= {"npc_suggestion", "cppcc_proposal", "superior", "meeting",
                                           "leader_instruction", "inspection"}
    report = client.get("/api/v1/reports/tasks", query_string={"year": 2019, "through": "2019-06"},
                      headers=h).get_json()
    assert report["total"] == 10 and report["completed"] == 4 and report["completed_on_time"] == 3
    assert all(report["by_light"][k] > 0 for k in ("red", "yellow", "green"))
    rates = {k: [u[k] for u in report["units"]] for k in (
        "on_time_rate", "acknowledged_on_time_rate", "feedback_on_time_rate", "satisfaction_rate")}
    for name, values in rates.items():
        assert any(0 < v for v in values), name
    # the reporter of 区交通运输局 sees the task it leads (waiting to be acknowledged) and the one it helps
    mine = client.get("/api/v1/tasks", headers=token_for(client, "reporter", "reporter123")).get_json()
    assert {(r["title"], r["lead_unit"], r["status"]) for r in mine} == {
        ("报送交通重大项目前期工作推进情况", "BM02", "assigned"),
        ("报送“十四五”重大项目清单", "BM01", "completed")}
