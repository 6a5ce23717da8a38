"""Importing the monthly progress sheet, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.actors import Actor
from app.events.tables import events
from app.projections.problems import problems
from app.projections.projects import monthly_progress

from .conftest import PROGRESS_HEADER, errors, event_count, progress_row, run, xlsx

REPORTER_U01 = Actor("r1", "unit_reporter", "U01")


def progress(svc) -> dict:
    with svc.engine.connect() as conn:
        return {(r.project, r.period): (r.month_investment, r.image_progress, r.submissions, r.reason)
                for r in conn.execute(select(monthly_progress))}


def raised(svc) -> list[tuple]:
    with svc.engine.connect() as conn:
        return [(r.project, r.category, r.description, r.source, r.unit)
                for r in conn.execute(select(problems).order_by(problems.c.id))]


def test_rows_submit_progress_and_raise_problems(with_projects):
    svc = with_projects
    data = xlsx([progress_row("XM001", "2026-09", 100, "基础完工"),
                 progress_row("XM001", "2026-10", "250.5", "主体完成 60%",
                              "1. 二期用地尚未报批\n2、资金缺口 500 万元\n"),
                 progress_row("XM002", "2026年10月", 0, "前期手续办理中", "无")], PROGRESS_HEADER)
    result = run(svc, "progress", data)
    assert result.ok, result.report
    assert result.report["commands"] == {"submit_progress": 3, "raise_problem": 2}
    assert progress(svc) == {("XM001", "2026-09"): (100, "基础完工", 1, None),
                             ("XM001", "2026-10"): (250.5, "主体完成 60%", 1, None),
                             ("XM002", "2026-10"): (0, "前期手续办理中", 1, None)}
    assert raised(svc) == [("XM001", "other", "二期用地尚未报批", "unit_report", "U01"),
                           ("XM001", "other", "资金缺口 500 万元", "unit_report", "U01")]


def test_the_same_file_twice_changes_nothing(with_projects):
    svc = with_projects
    data = xlsx([progress_row("XM001", "2026-10", 250.5, "主体完成 60%", "征地未完成"),
                 progress_row("XM002", "2026-10", 10, "开工准备")], PROGRESS_HEADER)
    assert run(svc, "progress", data).ok
    before = event_count(svc)
    again = run(svc, "progress", data)
    assert again.ok and again.report["events"] == 0
    assert again.report["unchanged_rows"] == 2
    assert event_count(svc) == before
    assert len(raised(svc)) == 1


def test_all_events_of_an_import_share_one_correlation_id(with_projects):
    svc = with_projects
    data = xlsx([progress_row("XM001"), progress_row("XM002")], PROGRESS_HEADER)
    result = run(svc, "progress", data)
    import json

    with svc.engine.connect() as conn:
        metas = [json.loads(m) for m in conn.execute(
            select(events.c.meta).where(events.c.type == "ProgressSubmitted")).scalars()]
    assert {m["correlation_id"] for m in metas} == {result.report["correlation_id"]}
    assert sorted(m["row"] for m in metas) == [4, 5]
    assert {m["import"] for m in metas} == {"progress"}


def test_unknown_project_and_future_month(with_projects):
    svc = with_projects
    before = event_count(svc)
    data = xlsx([progress_row("XM001", "2026-10"),
                 progress_row("XM404", "2026-10"),
                 progress_row("XM002", "2026-12")], PROGRESS_HEADER)
    result = run(svc, "progress", data)
    assert errors(result) == [
        ("A5", "项目“XM404”不存在：请先导入项目清单或登记该项目。"),
        ("B6", "填报月份 2026-12 晚于本月（2026-11），不能填报未来月份。")]
    assert event_count(svc) == before


def test_text_formula_and_missing_values(with_projects):
    data = xlsx([progress_row("XM001", "2026-10", "约300万", "x"),
                 progress_row("XM002", "2026-10", "=C4*2", None),
                 progress_row("XM002", "十月", 5, "x")], PROGRESS_HEADER)
    result = run(with_projects, "progress", data)
    got = errors(result)
    assert [c for c, _ in got] == ["C4", "C5", "D5", "B6"]
    assert "不能是文字“约300万”" in got[0][1]
    assert "不能使用公式" in got[1][1]
    assert "必填" in got[2][1]
    assert "应填写月份" in got[3][1]


def test_a_correction_needs_a_reason(with_projects):
    svc = with_projects
    assert run(svc, "progress", xlsx([progress_row("XM001", "2026-10", 100)], PROGRESS_HEADER)).ok
    changed = xlsx([progress_row("XM001", "2026-10", 120)], PROGRESS_HEADER)
    result = run(svc, "progress", changed)
    assert errors(result) == [("C4", "2026-10 已填报过（本月完成投资 100.00 万元），"
                                     "本行与之不同即为更正，须在“更正原因”列说明原因。")]
    with_reason = xlsx([[*progress_row("XM001", "2026-10", 120), "统计口径调整"]],
                       [*PROGRESS_HEADER, "更正原因"])
    result = run(svc, "progress", with_reason)
    assert result.ok, result.report
    assert progress(svc)[("XM001", "2026-10")] == (120, "主体完成 60%", 2, "统计口径调整")


def test_duplicate_project_month_in_one_file(with_projects):
    data = xlsx([progress_row("XM001", "2026-10", 1), progress_row("XM001", "2026-10", 2)],
                PROGRESS_HEADER)
    assert [c for c, _ in errors(run(with_projects, "progress", data))] == ["B4", "B5"]


def test_problem_only_rows_and_blank_rows(with_projects):
    svc = with_projects
    data = xlsx([["XM001", "2026-10", None, None, "施工许可未办理"],
                 ["XM002", "2026-10", None, None, None],
                 [*progress_row("示例-XM2026001")]], [*PROGRESS_HEADER])
    result = run(svc, "progress", data)
    assert result.ok, result.report
    assert result.report["commands"] == {"raise_problem": 1}
    assert result.report["blank_rows"] == 1
    assert progress(svc) == {}


def test_problem_category_column(with_projects):
    svc = with_projects
    data = xlsx([[*progress_row("XM001", problems="土地指标未落实"), "土地指标"]],
                [*PROGRESS_HEADER, "问题类别"])
    assert run(svc, "progress", data).ok
    assert raised(svc)[0][1] == "land"


def test_a_unit_reporter_imports_only_its_own_projects(with_projects):
    svc = with_projects
    before = event_count(svc)
    data = xlsx([progress_row("XM001"), progress_row("XM002")], PROGRESS_HEADER)
    result = run(svc, "progress", data, actor=REPORTER_U01)
    assert errors(result) == [("A5", "项目“XM002”不是本单位（业主或责任单位）的项目，无权填报。")]
    assert event_count(svc) == before
    ok = run(svc, "progress", xlsx([progress_row("XM001")], PROGRESS_HEADER), actor=REPORTER_U01)
    assert ok.ok, ok.report


def test_only_blank_rows_is_a_bad_file(with_projects):
    result = run(with_projects, "progress",
                 xlsx([["XM001", "2026-10"], ["XM002", "2026-10"]], PROGRESS_HEADER))
    assert not result.ok
    assert "没有可导入的数据" in result.report["message"]


def test_a_month_typed_as_a_number_is_refused_on_its_cell(with_projects):
    svc = with_projects
    before = event_count(svc)
    # 2026.10 typed into a number cell: Excel stores 2026.1
    data = xlsx([progress_row("XM001", "2026-09"), progress_row("XM002", 2026.10)],
                PROGRESS_HEADER)
    result = run(svc, "progress", data)
    [(cell, message)] = errors(result)
    assert cell == "B5" and "月份不能是数字" in message and "2026.1" in message
    assert event_count(svc) == before
