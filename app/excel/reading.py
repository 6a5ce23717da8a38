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
from dataclasses import dataclass, field
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
# openpyxl reads the whole shared-string table before the first row: a file of a few hundred KB
# can declare millions of strings. No sheet the bureau imports has more distinct texts per row.
STRINGS_PER_ROW = 20
# The marked copy's first sheet: read past when the corrected copy is imported again.
ERRORS_SHEET = "导入错误清单"


class ExcelFileError(InvalidCommand):
    """The file as a whole cannot be imported (400); ``cell`` is where to point, if anywhere.

    ``markable`` is False for a file refused for its size: opening it to mark it would cost what
    the refusal spares."""

    code = "invalid_file"

    def __init__(self, message: str, cell: str | None = None, markable: bool = True) -> None:
        super().__init__(message)
        self.cell = cell
        self.markable = markable


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
    hidden_rows: list[int] = field(default_factory=list)  # data rows hidden in Excel
    merged: list[str] = field(default_factory=list)  # ranges over two or more data rows

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
        sheets = [ws for ws in wb.worksheets if ws.title != ERRORS_SHEET]
        if not sheets:
            raise ExcelFileError("工作簿中没有工作表。")
        ws = sheets[0]
        ws.reset_dimensions()  # the stored dimension may be wrong; read what is there
        wanted = {normalise(n): n for n in [*required, *optional]}
        sheet = _read(ws, wanted, [normalise(n) for n in required], limits)
        sheet.hidden_rows, sheet.merged = _layout(ws, sheet)
        return sheet
    except ExcelFileError:
        raise
    except Exception:  # the sheet's XML is damaged somewhere past what load_workbook checks
        raise ExcelFileError("文件内容已损坏，无法读取：请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传。") from None
    finally:
        wb.close()


def _check_container(data: bytes, limits: Limits) -> None:
    """What the file declares about itself, checked before openpyxl reads any of it: its size,
    what it unpacks to, how many distinct texts and how many rows it says it holds."""
    if len(data) > limits.max_bytes:
        raise ExcelFileError(f"文件过大（{len(data) / 1048576:.1f} MB），"
                             f"上限为 {limits.max_bytes / 1048576:.0f} MB，请分批导入。",
                             markable=False)
    if not data:
        raise ExcelFileError("上传的文件是空的。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExcelFileError("文件不是 .xlsx 工作簿：请在 Excel 或 WPS 中“另存为 Excel 工作簿（*.xlsx）”后再上传。")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > limits.max_bytes * UNPACK_FACTOR:
            raise ExcelFileError("文件解压后过大，疑似异常文件，已拒绝导入。", markable=False)
        strings = _declared(zf, "xl/sharedStrings.xml", _STRING_COUNT)
        if strings is not None and strings > limits.max_rows * STRINGS_PER_ROW:
            raise ExcelFileError(f"文件声明了 {strings:,} 个不同的文字，远超导入表格的规模"
                                 f"（上限 {limits.max_rows:,} 行），疑似异常文件，已拒绝导入。",
                                 markable=False)
        ref = _declared(zf, _first_sheet(zf), _DIMENSION)
        if ref is not None:
            rows = ref - HEADER_SEARCH_ROWS
            if rows > limits.max_rows:
                raise ExcelFileError(f"第一个工作表声明有 {ref:,} 行，超过 {limits.max_rows:,} 行"
                                     f"数据的上限，请分批导入。", markable=False)


_STRING_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="[A-Z]+\d+:[A-Z]+(\d+)"')
_SHEET_ID = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?>')


def _declared(zf: zipfile.ZipFile, name: str | None, pattern: re.Pattern) -> int | None:
    """A number an XML part declares in its first element(s): read from its first 4 KB only."""
    if name is None or name not in zf.namelist():
        return None
    with zf.open(name) as part:
        head = part.read(4096)
    m = pattern.search(head)
    return int(m.group(1)) if m else None


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The part name of the workbook's first sheet, from workbook.xml and its relationships."""
    try:
        m = _SHEET_ID.search(zf.read("xl/workbook.xml"))
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    if m is None:
        return None
    for rel in _RELATION.findall(rels):
        if f'Id="{m.group(1).decode()}"'.encode() in rel:
            target = re.search(rb'Target="([^"]+)"', rel)
            if target:
                path = target.group(1).decode().lstrip("/")
                return path if path.startswith("xl/") else f"xl/{path}"
    return None


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
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')


def _scan(ws, pattern: re.Pattern) -> list[str]:
    """Every match of a pattern in the sheet's XML, which the read-only worksheet does not expose
    (merges, hidden rows): scanned in chunks, since it may be large."""
    found: list[str] = []
    seen: set[tuple[int, str]] = set()
    tail, offset = b"", 0
    with ws._get_source() as src:  # noqa: SLF001 - openpyxl is pinned; no public API for this
        for chunk in iter(lambda: src.read(1 << 20), b""):
            buf = tail + chunk
            start = offset - len(tail)
            for m in pattern.finditer(buf):
                key = (start + m.start(), m.group(1).decode())
                if key not in seen:  # a match in the overlap is seen twice
                    seen.add(key)
                    found.append(key[1])
            tail = buf[-200:]  # a tag cut in two by the chunking is found in the next pass
            offset += len(chunk)
    return found


def _merged_in_row(ws, row: int) -> list[str]:
    """Merged ranges touching the header row."""
    found: list[str] = []
    for ref in _scan(ws, _MERGE):
        _, min_row, _, max_row = range_boundaries(ref)
        if min_row <= row <= max_row and ref not in found:
            found.append(ref)
    return found


def _layout(ws, sheet: SheetData) -> tuple[list[int], list[str]]:
    """Data rows hidden in Excel (imported, but the user is warned: what is hidden was perhaps
    not meant), and merged ranges over two or more data rows in an imported column (a value
    merged over rows belongs to one of them only)."""
    first = sheet.header_row + 1
    data_rows = {r.number for r in sheet.rows}
    hidden = sorted({int(r) for r in _scan(ws, _HIDDEN_ROW)} & data_rows)
    columns = set(sheet.columns.values())
    merged = []
    for ref in _scan(ws, _MERGE):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if (max_row > min_row and max_row >= first
                and any(min_col <= c <= max_col for c in columns) and ref not in merged):
            merged.append(ref)
    return hidden, merged
