"""The marked copy of a refused import: a first sheet listing every error with a link to its cell,
the bad cells filled red with their font kept, the copy opening on the first bad cell, and the
corrected copy importing as it is. What is suspicious but importable is a warning."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from app.excel.reading import ERRORS_SHEET, Limits

from .conftest import PROJECT_HEADER, errors, event_count, load, project_row, run, xlsx


def _workbook(rows, hidden=(), merge=(), bold=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "项目清单"
    ws.append(["重大项目清单"])
    ws.append(list(PROJECT_HEADER))
    for r in rows:
        ws.append(list(r))
    for n in hidden:
        ws.row_dimensions[n].hidden = True
    for m in merge:
        ws.merge_cells(m)
    for ref in bold:
        ws[ref].font = Font(name="宋体", bold=True, size=12)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_marked_copy_lists_the_errors_first_and_opens_on_the_first_bad_cell(district):
    data = _workbook([project_row("XM001"), project_row("XM002", total="约100", unit="U09")],
                     bold=["H4"])
    result = run(district, "projects", data)
    assert not result.ok and len(result.issues) == 2
    wb = load(result.marked_copy())
    assert wb.sheetnames == [ERRORS_SHEET, "项目清单"]
    listing = wb[ERRORS_SHEET]
    assert [c.value for c in listing[1]] == ["序号", "行", "列", "单元格", "错误说明"]
    lines = [[c.value for c in row] for row in listing.iter_rows(min_row=2)]
    assert [line[3] for line in lines] == [i["cell"] for i in result.report["errors"]]
    assert all(line[4] for line in lines)
    assert listing.cell(2, 4).hyperlink.location == f"'项目清单'!{lines[0][3]}"
    data_sheet = wb["项目清单"]
    assert wb.active.title == "项目清单"
    assert data_sheet.sheet_view.selection[0].activeCell == lines[0][3]
    h4 = data_sheet["H4"]
    assert h4.fill.fgColor.rgb.endswith("FFC7CE") and h4.comment is not None
    assert h4.font.bold and h4.font.name == "宋体" and h4.font.sz == 12  # the font is kept
    assert h4.font.color.rgb.endswith("9C0006")


def test_the_corrected_marked_copy_imports_as_it_is(district):
    data = _workbook([project_row("XM001"), project_row("XM002", total="约100")])
    wb = load(run(district, "projects", data).marked_copy())
    ws = wb["项目清单"]
    ws["H4"] = 100  # the user corrects the marked cell, leaves the list sheet
    out = io.BytesIO()
    wb.save(out)
    before = event_count(district)
    result = run(district, "projects", out.getvalue())
    assert result.ok, result.report
    assert result.report["sheet"] == "项目清单"
    assert event_count(district) > before


def test_a_value_merged_over_two_rows_is_refused_as_a_merged_cell(district):
    data = _workbook([project_row("XM001"), project_row("XM002")], merge=["F3:F4"])
    result = run(district, "projects", data)
    assert not result.ok
    assert any(cell == "F3" and "合并单元格 F3:F4" in msg for cell, msg in errors(result))
    ws = load(result.marked_copy())["项目清单"]
    assert "合并单元格" in ws["F3"].comment.text


def test_hidden_rows_are_imported_with_a_warning(district):
    data = _workbook([project_row("XM001"), project_row("XM002")], hidden=[4])
    result = run(district, "projects", data)
    assert result.ok, result.report
    assert result.report["commands"]["register_project"] == 2
    assert len(result.report["warnings"]) == 1 and "第 4 行" in result.report["warnings"][0]
    assert "隐藏行" in result.report["warnings"][0]


def test_a_file_refused_for_its_size_is_never_opened_to_be_marked(district):
    data = xlsx([project_row(f"XM{i:03d}") for i in range(3)], PROJECT_HEADER)
    result = run(district, "projects", data, limits=Limits(max_bytes=len(data) - 1))
    assert not result.ok and "文件过大" in result.report["message"]
    assert result.marked_copy() is None
