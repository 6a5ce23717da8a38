"""A task list imported from a sheet (all rows or none, twice is once), the task ledger and the
appraisal exported in the bureau's layout."""
from __future__ import annotations

import io

from app.domain.actors import SYSTEM
from app.excel.exports import run_export
from tests.conftest import ADMIN_ACTOR

from .conftest import errors, event_count, load, run, xlsx

HEADER = ["事项名称", "事项来源", "牵头单位", "办理时限", "配合单位", "督办领导", "反馈周期", "重点督办",
          "交办日期", "来源文号"]


def row(title: str = "研究制定重大项目攻坚方案", source="会议议定", lead="区住建局", deadline="2026-12-15",
        co="城关镇", leader="张志强", cycle="每周", key="是", day="2026-11-20", ref="区政府常务会纪要〔2026〕9号"):
    return [title, source, lead, deadline, co, leader, cycle, key, day, ref]


def test_a_meetings_decisions_become_tasks_once(district):
    data = xlsx([row(), row("协调解决城北片区用地指标", lead="U02", co=None, key="否", cycle=None)], HEADER,
                title_rows=("区政府常务会议议定事项",))
    result = run(district, "tasks", data)
    assert result.ok, result.report
    assert result.report["commands"] == {"register_task": 2}
    evs = [e for e in district.store.read_all() if e.type == "TaskAssigned"]
    assert [(e.data["title"], e.data["lead_unit"], e.data["co_units"], e.data["key"], e.data["feedback_cycle"])
            for e in evs] == [("研究制定重大项目攻坚方案", "U01", ["U02"], True, "weekly"),
                              ("协调解决城北片区用地指标", "U02", [], False, "none")]
    assert evs[0].business_date == "2026-11-20" and evs[0].data["source"] == "meeting"
    before = event_count(district)
    again = run(district, "tasks", data)
    assert again.ok and again.report["events"] == 0 and again.report["unchanged_rows"] == 2
    assert event_count(district) == before


def test_one_bad_row_and_nothing_is_applied(district):
    before = event_count(district)
    data = xlsx([row(), row("第二项", source="口头交代", lead="区教育局", deadline="下周")], HEADER,
                title_rows=())
    result = run(district, "tasks", data)
    assert not result.ok
    assert [c for c, _ in errors(result)] == ["B3", "C3", "D3"]
    assert event_count(district) == before
    marked = result.marked_copy()
    assert marked is not None and load(marked).active["C3"].comment is not None
    # the handler's refusal, too, lands on its cell and nothing is applied
    result = run(district, "tasks", xlsx([row(), row("第二项", deadline="2026-11-01")], HEADER,
                                         title_rows=()))
    assert not result.ok and [c for c, _ in errors(result)] == ["D3"]
    assert "办理时限不能早于" in errors(result)[0][1]
    assert event_count(district) == before


def test_ledger_and_appraisal_exports(district):
    svc = district
    tid = svc.bus.execute("register_task", {"title": "报送十四五重大项目清单", "source": "superior",
                                            "lead_unit": "U01", "co_units": ["U02"],
                                            "deadline": "2026-11-20", "date": "2026-11-02"}, SYSTEM)["id"]
    svc.bus.execute("register_task", {"title": "=cmd|' /c calc'!A0", "source": "meeting",
                                      "lead_unit": "U02", "deadline": "2026-12-31"}, SYSTEM)
    out = io.BytesIO()
    assert run_export(svc, "tasks", out, ADMIN_ACTOR) == 2
    ws = load(out.getvalue()).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "督办事项台账"
    header = values[2]
    assert header[:4] == ("序号", "编号", "督办文号", "督办事项")
    first = values[3]
    assert first[1] == tid and first[2] == "区发改督〔2026〕1号" and first[6] == "区住建局"
    assert first[7] == "城关镇" and first[14] == "红灯"
    assert any(r[3] == "=cmd|' /c calc'!A0" for r in values)  # stored as text, not a formula
    cell = next(c for r in ws.iter_rows() for c in r if c.value == "=cmd|' /c calc'!A0")
    assert cell.data_type == "s"
    out = io.BytesIO()
    run_export(svc, "task-appraisal", out, ADMIN_ACTOR, params={"month": "2026-11"})
    values = list(load(out.getvalue()).active.iter_rows(values_only=True))
    assert values[0][0] == "督办事项办理情况考评表"
    assert [r[1] for r in values if isinstance(r[0], int)] == ["区住建局", "城关镇"]
