"""Importing the project list, on SQLite and PostgreSQL: all rows or none, and twice is once."""
from __future__ import annotations

from openpyxl import Workbook
from sqlalchemy import select

from app.domain.actors import Actor
from app.projections.projects import annual_plans, project_stages, projects

from .conftest import PROJECT_HEADER, SMALL, errors, event_count, load, project_row, run, xlsx


def project(svc, code: str):
    with svc.engine.connect() as conn:
        return conn.execute(select(projects).where(projects.c.code == code)).first()


def plans(svc) -> dict:
    with svc.engine.connect() as conn:
        return {(r.project, r.year): r.planned_investment for r in conn.execute(select(annual_plans))}


def test_rows_register_projects_and_plans(district):
    data = xlsx([project_row("XM001"),
                 project_row("XM002", category="省重点", stage="计划新开工", owner="城关镇",
                             unit="U02", leader=None, total="8,000.5", year=None, plan=None,
                             start=None)], PROJECT_HEADER)
    result = run(district, "projects", data)
    assert result.ok, result.report
    assert result.report["commands"] == {"register_project": 2, "set_annual_plan": 1}
    assert result.report["events"] == 3
    one, two = project(district, "XM001"), project(district, "XM002")
    assert (one.category, one.stage, one.owner_unit, one.responsible_unit, one.leader) == \
        ("district", "continuing", "U01", "U01", "张志强")
    assert one.planned_start == "2026-03-01"
    assert (two.category, two.stage, two.owner_unit, two.leader, two.total_investment) == \
        ("provincial", "planned_new", "U02", None, 8000.5)
    assert plans(district) == {("XM001", 2026): 3000}


def test_the_same_file_twice_changes_nothing(district):
    data = xlsx([project_row("XM001"), project_row("XM002")], PROJECT_HEADER)
    assert run(district, "projects", data).ok
    before = event_count(district)
    again = run(district, "projects", data)
    assert again.ok
    assert again.report["events"] == 0
    assert again.report["unchanged_rows"] == 2
    assert "没有任何变更" in again.report["message"]
    assert event_count(district) == before


def test_one_bad_row_and_nothing_is_applied(district):
    before = event_count(district)
    data = xlsx([project_row("XM001"), project_row("XM002"),
                 project_row("XM003", total="约一个亿")], PROJECT_HEADER)
    result = run(district, "projects", data)
    assert not result.ok
    assert errors(result) == [("H6", "应填写数字，不能是文字“约一个亿”。")]
    assert result.report["errors"][0]["row"] == 6
    assert result.report["errors"][0]["column"] == "总投资（万元）"
    assert "未导入任何数据" in result.report["message"]
    assert event_count(district) == before
    assert project(district, "XM001") is None


def test_a_handler_refusal_rolls_back_rows_already_appended(district):
    """Rows pass every check, then the last one is refused by its handler inside the
    transaction: the earlier rows' events are rolled back with it."""
    data = xlsx([project_row("XM001"), project_row("XM002", stage="竣工")], PROJECT_HEADER)
    assert run(district, "projects", data).ok
    before = event_count(district)
    # XM001 moves to 前期 (accepted), XM002 is completed and may not change stage (refused)
    data = xlsx([project_row("XM001", stage="前期"), project_row("XM002", stage="续建")],
                PROJECT_HEADER)
    result = run(district, "projects", data)
    assert not result.ok
    assert errors(result) == [("D5", "项目“XM002”已竣工，不能再变更阶段。")]
    assert event_count(district) == before
    assert project(district, "XM001").stage == "continuing"


def test_every_bad_cell_is_reported(district):
    data = xlsx([
        project_row("XM 1", category="国家级", stage="在建", owner="某某局", total=-5, year=2026,
                    plan=None, start="下个月"),
        [*project_row("XM002", unit="=A4", leader=None)[:1], None,
         *project_row("XM002", unit="=A4", leader=None)[2:]],
    ], PROJECT_HEADER)
    result = run(district, "projects", data)
    got = errors(result)
    cells = [c for c, _ in got]
    assert cells == ["A4", "C4", "D4", "E4", "H4", "J4", "K4", "B5", "F5"]
    by_cell = dict(got)
    assert "编码只能由字母" in by_cell["A4"]
    assert "省重点、市重点、区级重大、重抓重推" in by_cell["C4"]
    assert "储备、前期、计划新开工、新开工、续建、竣工" in by_cell["D4"]
    assert "单位“某某局”不存在" in by_cell["E4"]
    assert "须在 0 到 100,000,000 之间" in by_cell["H4"]
    assert "两项都填或都不填" in by_cell["J4"]
    assert "应填写日期" in by_cell["K4"]
    assert "必填" in by_cell["B5"]
    assert "不能使用公式" in by_cell["F5"]


def test_units_by_name_or_code_and_unknown_units(district):
    data = xlsx([project_row("XM001", owner="城关镇", unit="U01"),
                 project_row("XM002", owner="U09", unit="区建设局")], PROJECT_HEADER)
    result = run(district, "projects", data)
    assert [c for c, _ in errors(result)] == ["E5", "F5"]
    assert all("不存在" in m for _, m in errors(result))


def test_duplicate_codes_in_one_file(district):
    data = xlsx([project_row("XM001"), project_row("XM001", total=1)], PROJECT_HEADER)
    result = run(district, "projects", data)
    assert sorted(errors(result)) == [("A4", "项目编码与第 5 行重复，同一文件中只能出现一次。"),
                                      ("A5", "项目编码与第 4 行重复，同一文件中只能出现一次。")]


def test_existing_project_stage_leader_and_plan_are_updated(with_projects):
    svc = with_projects
    data = xlsx([project_row("XM001", stage="竣工", leader="王建国", plan=3500)], PROJECT_HEADER)
    result = run(svc, "projects", data)
    assert result.ok, result.report
    assert result.report["commands"] == {"change_stage": 1, "assign_leader": 1,
                                         "set_annual_plan": 1}
    row = project(svc, "XM001")
    assert (row.stage, row.leader) == ("completed", "王建国")
    assert plans(svc)[("XM001", 2026)] == 3500
    with svc.engine.connect() as conn:
        stages = conn.execute(select(project_stages.c.stage)
                              .where(project_stages.c.project == "XM001")).scalars().all()
    assert stages == ["continuing", "completed"]


def test_fields_without_a_command_cannot_be_changed_by_import(with_projects):
    data = xlsx([project_row("XM001", name="另一个名字", total=99)], PROJECT_HEADER)
    result = run(with_projects, "projects", data)
    assert [c for c, _ in errors(result)] == ["B4", "H4"]
    assert "台账中项目名称为“XM001 城区污水管网改造”" in errors(result)[0][1]
    assert "台账中总投资为“12000.00”" in errors(result)[1][1]


def test_example_and_totals_rows_are_skipped(district):
    data = xlsx([project_row("示例-XM2026001"), project_row("XM001"),
                 ["合计", None, None, None, None, None, None, 12000, None, 3000, None]],
                PROJECT_HEADER)
    result = run(district, "projects", data)
    assert result.ok, result.report
    assert result.report["rows"] == 1


def test_only_managers_import_projects(district):
    import pytest

    from app.domain.errors import Forbidden

    with pytest.raises(Forbidden):
        run(district, "projects", xlsx([project_row()], PROJECT_HEADER),
            actor=Actor("r", "unit_reporter", "U01"))


def test_dry_run_checks_without_writing(district):
    before = event_count(district)
    result = run(district, "projects", xlsx([project_row()], PROJECT_HEADER), dry_run=True)
    assert result.ok and result.report["dry_run"]
    assert "仅检查" in result.report["message"]
    assert event_count(district) == before


def test_file_level_errors_give_a_report(district):
    result = run(district, "projects", b"not a workbook")
    assert not result.ok
    assert result.report["errors"][0]["row"] is None
    assert "不是 .xlsx" in result.report["message"]
    assert result.marked_copy() is None
    big = xlsx([project_row(f"XM{i:03d}") for i in range(60)], PROJECT_HEADER)
    assert "超过 50 行" in run(district, "projects", big, limits=SMALL).report["message"]


def test_marked_copy_fills_and_comments_the_bad_cells(district):
    data = xlsx([project_row("XM001"), project_row("XM002", total="约100", unit="U09")],
                PROJECT_HEADER, merge=["A1:K1"])
    result = run(district, "projects", data)
    ws = load(result.marked_copy()).worksheets[1]
    for ref in ("H5", "F5"):
        assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE")
        assert ws[ref].comment is not None
    assert "约100" in ws["H5"].comment.text
    assert ws["A4"].comment is None and ws["A4"].fill.fgColor.rgb != "00FFC7CE"
    assert ws["H5"].value == "约100"  # the user's data is left as it was
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}


def test_marked_copy_of_a_merged_header_points_at_it(district):
    data = xlsx([project_row()], PROJECT_HEADER, merge=["H3:I3"])
    result = run(district, "projects", data)
    assert "合并单元格" in result.report["message"]
    ws = load(result.marked_copy()).worksheets[1]
    assert "合并单元格" in ws["H3"].comment.text


def test_a_workbook_with_an_empty_first_sheet(district):
    wb = Workbook()
    import io

    out = io.BytesIO()
    wb.save(out)
    result = run(district, "projects", out.getvalue())
    assert "是空的" in result.report["message"]
