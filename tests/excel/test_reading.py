"""Reading an upload: the header found under title rows, and every way a file can be unusable.
No database: these are the checks made before anything is looked up."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from app.excel import cells
from app.excel.reading import Cell, ExcelFileError, Limits, normalise, read_sheet

from .conftest import PROGRESS_HEADER, progress_row, xlsx

REQUIRED = PROGRESS_HEADER


def read(data: bytes, limits: Limits = Limits()):
    return read_sheet(data, REQUIRED, ("更正原因",), limits)


def refused(data: bytes, limits: Limits = Limits()) -> ExcelFileError:
    with pytest.raises(ExcelFileError) as info:
        read(data, limits)
    return info.value


def test_header_under_title_rows_in_any_column_order():
    header = ["备注", "形象进度", "存在问题", "本月完成投资(万元)", " 填报月份 ", "*项目编码"]
    data = xlsx([["x", "完成 60%", None, 12.5, "2026-10", "XM001"]], header,
                title_rows=["2026年10月重大项目进度", "", "填报单位：城关镇"])
    sheet = read(data)
    assert sheet.header_row == 4
    assert sheet.headers[normalise("本月完成投资（万元）")] == "本月完成投资(万元)"
    (row,) = sheet.rows
    assert row.number == 5
    assert row.get(normalise("项目编码")).value == "XM001"
    assert row.get(normalise("存在问题")) is None  # empty cells are absent
    assert sheet.coordinate(5, normalise("项目编码")) == "F5"


def test_empty_lines_between_rows_are_passed_over():
    data = xlsx([progress_row("A"), [None] * 5, ["", " ", None, None, None], progress_row("B")],
                REQUIRED)
    assert [r.number for r in read(data).rows] == [4, 7]


def test_not_an_xlsx():
    assert "不是 .xlsx" in refused(b"name,amount\nXM001,12\n").message
    assert "空的" in refused(b"").message


def test_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "无法读取" in refused(buf.getvalue()).message


def test_empty_sheet():
    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    assert "是空的" in refused(out.getvalue()).message


def test_only_the_first_sheet_is_read():
    wb = Workbook()
    wb.active.title = "说明"
    second = wb.create_sheet("数据")
    second.append(REQUIRED)
    second.append(progress_row())
    out = io.BytesIO()
    wb.save(out)
    assert "“说明”是空的" in refused(out.getvalue()).message


def test_missing_column():
    exc = refused(xlsx([["XM001", "2026-10", 1, "x"]], REQUIRED[:4]))
    assert "缺少列：存在问题" in exc.message
    assert exc.cell == "A3"


def test_no_header_at_all():
    assert "找不到表头行" in refused(xlsx([["a", "b"], ["c", "d"]], None)).message


def test_merged_header():
    data = xlsx([progress_row()], REQUIRED, merge=["C3:D3"])
    exc = refused(data)
    assert "合并单元格 C3:D3" in exc.message
    assert exc.cell == "C3"


def test_merged_title_above_the_header_is_fine():
    data = xlsx([progress_row()], REQUIRED, merge=["A1:E1"])
    assert read(data).header_row == 3


def test_header_without_rows():
    assert "没有数据行" in refused(xlsx([], REQUIRED)).message


def test_duplicate_column():
    assert "出现了两次" in refused(xlsx([], [*REQUIRED, "形象进度"])).message


def test_too_big():
    data = xlsx([progress_row()] * 20, REQUIRED)
    exc = refused(data, Limits(max_bytes=len(data) - 1))
    assert "文件过大" in exc.message


def test_too_many_rows():
    exc = refused(xlsx([progress_row()] * 11, REQUIRED), Limits(max_rows=10))
    assert "超过 10 行" in exc.message


def test_formula_and_error_values_are_refused():
    with pytest.raises(cells.CellError, match="不能使用公式"):
        cells.number(Cell("=SUM(A1:A3)", "f"))
    with pytest.raises(cells.CellError, match="错误值"):
        cells.number(Cell("#DIV/0!", "e"))


@pytest.mark.parametrize("value, expected", [
    (12, 12.0), (12.5, 12.5), ("1,234.50", 1234.5), (" 8 ", 8.0), ("-3", -3.0)])
def test_numbers(value, expected):
    assert cells.number(Cell(value, "n" if not isinstance(value, str) else "s")) == expected


@pytest.mark.parametrize("value", ["约100", "100万", "一百", "1.2.3", True])
def test_text_in_a_number_column(value):
    with pytest.raises(cells.CellError, match="应填写数字"):
        cells.number(Cell(value, "s"))


@pytest.mark.parametrize("value, expected", [
    ("2026-03", "2026-03"), ("2026-3", "2026-03"), ("2026/03", "2026-03"),
    ("2026年3月", "2026-03"), ("202603", "2026-03"), ("2019.10", "2019-10"),
    (datetime(2026, 3, 1), "2026-03")])
def test_months(value, expected):
    assert cells.month(Cell(value, "s")) == expected


@pytest.mark.parametrize("value", [2019.1, 2019.10, 202603, 2026.03])
def test_numeric_months_are_refused(value):
    with pytest.raises(cells.CellError, match="月份不能是数字"):
        cells.month(Cell(value, "n"))


@pytest.mark.parametrize("value", ["2026-13", "三月", "2026"])
def test_bad_months(value):
    with pytest.raises(cells.CellError, match="应填写月份"):
        cells.month(Cell(value, "s"))


def test_dates_and_codes():
    assert cells.day(Cell("2026年3月15日", "s")).isoformat() == "2026-03-15"
    assert cells.day(Cell("2026/3/5", "s")).isoformat() == "2026-03-05"
    assert cells.day(Cell(46096, "n")).isoformat() == "2026-03-15"  # an unformatted date cell
    with pytest.raises(cells.CellError):
        cells.day(Cell("下月", "s"))
    assert cells.text(Cell(2026001.0, "n")) == "2026001"


def test_choices_by_chinese_name():
    names = {"provincial": "省重点", "district": "区级重大"}
    assert cells.choice(Cell("区级重大", "s"), names, "项目类别") == "district"
    assert cells.choice(Cell("provincial", "s"), names, "项目类别") == "provincial"
    with pytest.raises(cells.CellError, match="省重点、区级重大"):
        cells.choice(Cell("国家级", "s"), names, "项目类别")


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, replace.get(item.filename, zin.read(item.filename)))
    return out.getvalue()


def test_a_damaged_sheet():
    good = xlsx([progress_row()], REQUIRED)
    broken = _rezip(good, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c r="})
    exc = refused(broken)
    assert "损坏" in exc.message or "无法读取" in exc.message


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    good = xlsx([progress_row()], REQUIRED)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        with zout.open("xl/media/padding.bin", "w") as fh:
            for _ in range(9):
                fh.write(bytes(1 << 20))  # 9 MB of zeros, a few kB packed
    data = out.getvalue()
    assert len(data) < 100_000
    assert "解压后过大" in refused(data, Limits(max_bytes=200_000)).message


def _with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one more part (or one part replaced)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename))
        dst.writestr(name, content)
    return out.getvalue()


def test_millions_of_declared_strings_are_refused_before_loading():
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               b'count="8000000" uniqueCount="8000000">' + b"<si><t>x</t></si>" * 3 + b"</sst>")
    data = _with_part(xlsx([progress_row()], PROGRESS_HEADER), "xl/sharedStrings.xml", strings)
    exc = refused(data)
    assert "8,000,000 个不同的文字" in exc.message and not exc.markable


def test_a_declared_row_count_over_the_limit_is_refused_before_loading():
    wb = Workbook()
    ws = wb.active
    ws.append(list(PROGRESS_HEADER))
    ws.cell(400, 1, "XM001")  # the sheet's dimension now declares 400 rows
    out = io.BytesIO()
    wb.save(out)
    exc = refused(out.getvalue(), Limits(max_rows=50))
    assert "声明有 400 行" in exc.message and not exc.markable


def test_a_file_too_big_is_not_markable():
    assert not refused(b"x" * 2000, Limits(max_bytes=1000)).markable


def test_hidden_rows_and_values_merged_over_rows_are_found():
    wb = Workbook()
    ws = wb.active
    ws.append(list(PROGRESS_HEADER))
    for code in ("XM001", "XM002", "XM003"):
        ws.append(list(progress_row(code)))
    ws.row_dimensions[3].hidden = True
    ws.merge_cells("C3:C4")  # one amount over two projects' rows
    ws.merge_cells("G2:G3")  # beside the data, in no imported column: no harm
    out = io.BytesIO()
    wb.save(out)
    sheet = read(out.getvalue())
    assert sheet.hidden_rows == [3]
    assert sheet.merged == ["C3:C4"]
