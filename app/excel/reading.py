"""Reading an uploaded sheet: the first worksheet, its header row found by the column names.

Everything wrong with the file as a whole (not an xlsx, too big, empty, no header, a missing or
merged column) is an :class:`ExcelFileError` with a Chinese message; what is wrong with one cell
is left to the importer, which reports every bad cell.
"""
from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any, Sequence

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from ..domain.errors import InvalidCommand

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 30  # title and note rows above the header are skipped, up to this many
# An xlsx is a zip: a small upload can unpack to gigabytes. The unpacked XML may be at most
# this many times the configured upload size.
UNPACK_FACTOR = 40


class ExcelFileError(InvalidCommand):
    """The file as a whole cannot be imported (400); ``cell`` is where to point, if anywhere."""

    code = "invalid_file"

    def __init__(self, message: str, cell: str | None = None) -> None:
        super().__init__(message)
        self.cell = cell


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class Cell:
    value: Any
    data_type: str  # openpyxl's: n, s, b, d, f (formula), e (error value)


@dataclass
class SheetRow:
    number: int  # the row number in Excel
    cells: dict[str, Cell]  # by normalised column name

    def get(self, name: str) -> Cell | None:
        return self.cells.get(name)


@dataclass
class SheetData:
    title: str
    header_row: int
    columns: dict[str, int]  # normalised column name -> column index (1-based)
    headers: dict[str, str]  # normalised column name -> the header as written
    rows: list[SheetRow]

    def coordinate(self, row: int, name: str | None) -> str:
        col = self.columns.get(name or "") or min(self.columns.values())
        return f"{get_column_letter(col)}{row}"


def normalise(header: Any) -> str:
    """A column name as compared: NFKC (full-width brackets become ASCII), no spaces, no '*'."""
    if header is None:
        return ""
    text = unicodedata.normalize("NFKC", str(header))
    return re.sub(r"[\s*]", "", text)


def read_sheet(data: bytes, required: Sequence[str], optional: Sequence[str] = (),
               limits: Limits = Limits()) -> SheetData:
    """The first sheet's header and data rows; ``required`` and ``optional`` are column names."""
    _check_container(data, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ExcelFileError("无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 工作簿"
                             "（.xls、.csv、.et 等格式请先另存为 .xlsx）。") from None
    try:
        if not wb.worksheets:
            raise ExcelFileError("工作簿中没有工作表。")
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the stored dimension may be wrong; read what is there
        wanted = {normalise(n): n for n in [*required, *optional]}
        return _read(ws, wanted, [normalise(n) for n in required], limits)
    except ExcelFileError:
        raise
    except Exception:  # the sheet's XML is damaged somewhere past what load_workbook checks
        raise ExcelFileError("文件内容已损坏，无法读取：请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传。") from None
    finally:
        wb.close()


def _check_container(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise ExcelFileError(f"文件过大（{len(data) / 1048576:.1f} MB），"
                             f"上限为 {limits.max_bytes / 1048576:.0f} MB，请分批导入。")
    if not data:
        raise ExcelFileError("上传的文件是空的。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExcelFileError("文件不是 .xlsx 工作簿：请在 Excel 或 WPS 中“另存为 Excel 工作簿（*.xlsx）”后再上传。")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
    if unpacked > limits.max_bytes * UNPACK_FACTOR:
        raise ExcelFileError("文件解压后过大，疑似异常文件，已拒绝导入。")


def _read(ws, wanted: dict[str, str], required: list[str], limits: Limits) -> SheetData:
    # Rows come in order from row 1 (missing rows as empty tuples); cells from column A.
    rows = enumerate(ws.iter_rows(), start=1)
    best: tuple[int, int, dict[str, int], dict[str, str]] | None = None  # hits, row, cols, names
    seen_any = False
    for number, cells in rows:
        cols: dict[str, int] = {}
        raw: dict[str, str] = {}
        for index, c in enumerate(cells, start=1):
            if c.value is None or _blank(c.value):
                continue
            seen_any = True
            name = normalise(c.value)
            if name in wanted:
                if name in cols:
                    raise ExcelFileError(f"第 {number} 行的列名“{wanted[name]}”出现了两次，请只保留一列。",
                                         f"{get_column_letter(index)}{number}")
                cols[name], raw[name] = index, str(c.value)
        hits = sum(1 for n in required if n in cols)
        if best is None or hits > best[0]:
            best = (hits, number, cols, raw)
        if hits == len(required) or number >= HEADER_SEARCH_ROWS:
            break
    if not seen_any:
        raise ExcelFileError(f"第一个工作表“{ws.title}”是空的（导入只读取第一个工作表）。")
    assert best is not None
    hits, number, cols, raw = best
    if hits == 0:
        raise ExcelFileError(
            f"在第一个工作表“{ws.title}”的前 {HEADER_SEARCH_ROWS} 行中找不到表头行。"
            f"表头应包含这些列：{'、'.join(wanted[n] for n in required)}。")
    merged = _merged_in_row(ws, number)
    if merged:
        raise ExcelFileError(f"表头行（第 {number} 行）有合并单元格 {'、'.join(merged)}："
                             f"请取消合并，每一列只写一个列名。", merged[0].split(":")[0])
    if hits < len(required):
        missing = [wanted[n] for n in required if n not in cols]
        raise ExcelFileError(f"表头（第 {number} 行）缺少列：{'、'.join(missing)}。"
                             f"列名须与导入模板一致（列的顺序可以不同）。", f"A{number}")
    sheet = SheetData(ws.title, number, cols, raw, [])
    for number, cells in rows:
        found = {}
        for name, index in cols.items():
            c = cells[index - 1] if index <= len(cells) else None
            if c is not None and c.value is not None and not _blank(c.value):
                found[name] = Cell(c.value, c.data_type)
        if not found:
            continue  # an empty line
        if len(sheet.rows) >= limits.max_rows:
            raise ExcelFileError(f"数据行超过 {limits.max_rows} 行的上限，请分批导入。",
                                 f"A{number}")
        sheet.rows.append(SheetRow(number, found))
    if not sheet.rows:
        raise ExcelFileError(f"表头（第 {sheet.header_row} 行）下面没有数据行。")
    return sheet


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_in_row(ws, row: int) -> list[str]:
    """Merged ranges touching the header row. The read-only worksheet does not expose merges,
    so the sheet XML is scanned for them in chunks (it may be large)."""
    found: list[str] = []
    tail = b""
    with ws._get_source() as src:  # noqa: SLF001 - openpyxl is pinned; no public API for this
        for chunk in iter(lambda: src.read(1 << 20), b""):
            buf = tail + chunk
            for m in _MERGE.finditer(buf):
                ref = m.group(1).decode()
                _, min_row, _, max_row = range_boundaries(ref)
                if min_row <= row <= max_row and ref not in found:
                    found.append(ref)
            tail = buf[-200:]  # a tag cut in two by the chunking is found in the next pass
    return found
