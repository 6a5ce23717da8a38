"""Sheets formatted as government ledgers (台账), streamed so that big ones stay small in memory.

openpyxl (write-only mode) writes everything but the data rows: styles, the merged title, the
unit and as-of line, the bordered header, column widths, frozen panes, landscape print with the
header repeated on each page. It writes a marker row where the data belongs; the data rows are
then serialised straight into the worksheet XML while the zip is copied. Why: without lxml,
openpyxl writes about 170,000 cells a second (a 100,000-row ledger would take over 15 s);
formatting a row as text is some ten times faster, and the rows are never held in memory.
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from .formula_safe import set_safe

MONEY = "#,##0.00"  # 万元, two decimals
PERCENT = "0.0%"  # one decimal
DATE = "yyyy-mm-dd"
KINDS = ("text", "wrap", "int", "money", "pct", "date")

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "宋体"
_MARKER = "__duban_rows_{}__"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_TEXT = 32767  # Excel's limit for one cell
A3_ABOVE = 200  # total column width (characters) above which a ledger prints on A3


@dataclass(frozen=True)
class Col:
    """One column of a ledger: its header, width (characters) and how values are shown."""

    header: str
    width: float = 12
    kind: str = "text"  # text | wrap | int | money | pct | date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind}")


@dataclass
class Sheet:
    """A ledger sheet. ``rows`` may be a generator: it is consumed once, while writing.

    ``totals`` and ``notes`` come under the rows, so either may be a function called once the
    rows are written: sums gathered while the rows stream by, rather than over a list of them.
    """

    name: str
    title: str
    subtitle: str  # the line with the unit and the as-of instant
    columns: Sequence[Col]
    rows: Iterable[Sequence[Any]]
    totals: Sequence[Any] | Callable[[], Sequence[Any]] | None = None  # a bold 合计 row
    notes: Sequence[str] | Callable[[], Sequence[str]] = ()  # lines under the table (说明)
    # the lines a printed form is signed on; off for what no one signs (the event log)
    signature: bool = True
    written: int = field(default=0, init=False)


# Under every form the bureau files: who filled it in, who checked it, who answers for it.
SIGNATURE_MARK = "填报人："
SIGNATURE = (f"{SIGNATURE_MARK}＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　负责人：＿＿＿＿＿＿　　"
             "联系电话：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日")
UNIT_LINE = "单位：万元"


def write_ledger(sheets: Sequence[Sheet], target: str | IO[bytes]) -> int:
    """Write the sheets as one workbook to a path or binary file; returns the data rows written."""
    wb = Workbook(write_only=True)
    plans = [_skeleton(wb, i, s) for i, s in enumerate(sheets)]
    skeleton = io.BytesIO()
    wb.save(skeleton)
    skeleton.seek(0)
    if isinstance(target, str):
        with open(target, "wb") as fh:
            _assemble(skeleton, plans, sheets, fh)
    else:
        _assemble(skeleton, plans, sheets, target)
    return sum(s.written for s in sheets)


# -- the skeleton, by openpyxl ---------------------------------------------------------
@dataclass
class _Plan:
    marker: str
    first_row: int
    letters: list[str]
    kinds: list[str]
    body: list[int]  # style id per column, data rows
    bold: list[int]  # style id per column, the totals row
    note: int  # style id of note lines
    widths: list[float]  # column widths (characters), for the rows' heights
    heads: dict[int, float]  # row number -> height (points) of the rows above the data


def _cell(ws, value: Any = None, *, size: float = 11, bold: bool = False, border: bool = False,
          h: str = "left", wrap: bool = False, fmt: str | None = None,
          fill: str | None = None) -> WriteOnlyCell:
    c = set_safe(WriteOnlyCell(ws), value)
    c.font = Font(name=_FONT, size=size, bold=bold)
    c.alignment = Alignment(horizontal=h, vertical="center", wrap_text=wrap)
    if border:
        c.border = _BORDER
    if fmt:
        c.number_format = fmt
    if fill:
        c.fill = PatternFill("solid", fgColor=fill)
    return c


def _body_cell(ws, kind: str, bold: bool) -> WriteOnlyCell:
    fmt = {"int": "0", "money": MONEY, "pct": PERCENT, "date": DATE}.get(kind)
    h = "right" if kind in ("int", "money", "pct") else ("center" if kind == "date" else "left")
    return _cell(ws, size=10, bold=bold, border=True, h=h, wrap=kind == "wrap", fmt=fmt)


def _skeleton(wb: Workbook, index: int, sheet: Sheet) -> _Plan:
    ws = wb.create_sheet(sheet.name[:31])
    n = len(sheet.columns)
    last = get_column_letter(n)
    for i, col in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A4"  # title, unit line, header stay in view
    ws.print_title_rows = "3:3"  # the header on every printed page
    ws.page_setup.orientation = "landscape"
    # fitted to one page wide: a wide ledger on A4 would print too small to read
    wide = sum(c.width for c in sheet.columns) > A3_ABOVE
    ws.page_setup.paperSize = 8 if wide else 9  # A3 or A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.merged_cells.add(f"A1:{last}1")
    # money columns: 单位：万元 at the top right, the subtitle left of it
    unit_line = n >= 4 and any(c.kind == "money" for c in sheet.columns)
    ws.merged_cells.add(f"A2:{get_column_letter(n - 2) if unit_line else last}2")
    if unit_line:
        ws.merged_cells.add(f"{get_column_letter(n - 1)}2:{last}2")
    ws.row_dimensions[1].height = 30
    ws.append([_cell(ws, sheet.title, size=16, bold=True, h="center")])
    subtitle = [_cell(ws, sheet.subtitle, size=10, wrap=True)]
    if unit_line:
        subtitle += [None] * (n - 3) + [_cell(ws, UNIT_LINE, size=10, h="right")]
    ws.append(subtitle)
    ws.append([_cell(ws, c.header, size=10, bold=True, border=True, h="center", wrap=True,
                     fill="D9D9D9") for c in sheet.columns])
    widths = [c.width for c in sheet.columns]
    total = sum(widths)
    heads = {2: row_height(wrapped_lines(sheet.subtitle, total), 10),
             3: row_height(max(wrapped_lines(c.header, c.width) for c in sheet.columns), 10)}
    marker = _MARKER.format(index)
    ws.append([marker])
    kinds = [c.kind for c in sheet.columns]
    return _Plan(
        marker=marker, first_row=4, letters=[get_column_letter(i) for i in range(1, n + 1)],
        kinds=kinds, body=[_body_cell(ws, k, False).style_id for k in kinds],
        bold=[_body_cell(ws, k, True).style_id for k in kinds],
        note=_cell(ws, size=10).style_id, widths=widths, heads=heads)


# -- row heights ------------------------------------------------------------------------
# No program lays out a row that openpyxl writes: without a height, a wrapped cell keeps the
# default single line and its text runs over the rows below when printed. The height is
# estimated here from the text and the column width, a little generously.
LINE_POINTS = 1.45  # line height per point of font size (CJK fonts run taller than Latin ones)
_PADDING = 1.0  # characters of a column's width lost to the cell's margins


def text_width(text: str) -> float:
    """Width in Excel's character units: a CJK (or full-width) character counts two.

    From the UTF-8 length, as CJK characters take three bytes and ASCII one: this runs for
    every wrapped cell of a large ledger, and stays in C.
    """
    n = len(text)
    return n + (len(text.encode("utf-8", "surrogatepass")) - n) / 2


def wrapped_lines(value: Any, width: float) -> int:
    """How many lines a value takes, wrapped in a column ``width`` characters wide."""
    if value is None:
        return 1
    s = value if type(value) is str else str(value)
    usable = max(1.0, width - _PADDING)
    if "\n" not in s and len(s) * 2 <= usable:
        return 1
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in s.split("\n"))


def row_height(lines: int, size: float = 10) -> float:
    """A row's height in points for ``lines`` lines of text of ``size`` points."""
    return round(lines * size * LINE_POINTS + 3, 1)


# -- the rows, straight into the XML ------------------------------------------------------
# This loop runs for every cell of a 100,000-row ledger: it builds strings from precomputed
# parts and takes the escaping path only for text that needs it.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMERIC = ("int", "money", "pct")
_TEXT_OPEN = ' t="inlineStr"><is><t xml:space="preserve">'
_TEXT_CLOSE = "</t></is></c>"


def _text(value: Any) -> str:
    s = value if type(value) is str else str(value)
    if len(s) > _MAX_TEXT:
        s = s[:_MAX_TEXT]
    if _SPECIAL.search(s) is None:
        return s
    s = _ILLEGAL.sub("", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serial(value: Any) -> int | None:
    """An Excel date serial from a date, datetime or ISO text; None if it is none of them."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return None
    return (value - _EXCEL_EPOCH).days if isinstance(value, date) else None


def _columns(letters: list[str], styles: list[int], kinds: list[str]) -> list[tuple]:
    return [(f'<c r="{letter}', f'" s="{style}"', kind in _NUMERIC, kind == "date")
            for letter, style, kind in zip(letters, styles, kinds)]


def _row(cols: list[tuple], r: int, values: Sequence[Any],
         wraps: Sequence[tuple[int, float]] = ()) -> str:
    rs = str(r)
    lines = 1
    for i, width in wraps:
        if i < len(values):
            n = wrapped_lines(values[i], width)
            if n > lines:
                lines = n
    if lines > 1:
        parts = ['<row r="', rs, f'" ht="{row_height(lines)}" customHeight="1">']
    else:
        parts = ['<row r="', rs, '">']
    add = parts.append
    for (head, style, numeric, is_date), v in zip(cols, values):
        add(head)
        add(rs)
        add(style)
        if v is None or v == "":
            add("/>")
            continue
        t = type(v)
        if numeric and (t is int or (t is float and math.isfinite(v))):
            add("><v>")
            add(repr(v))
            add("</v></c>")
            continue
        if is_date:
            serial = _serial(v)
            if serial is not None:
                add("><v>")
                add(str(serial))
                add("</v></c>")
                continue
        add(_TEXT_OPEN)
        add(_text(v))
        add(_TEXT_CLOSE)
    add("</row>")
    return "".join(parts)


def _rows_xml(plan: _Plan, sheet: Sheet) -> Iterator[str]:
    r = plan.first_row
    cols = _columns(plan.letters, plan.body, plan.kinds)
    wraps = [(i, w) for i, (k, w) in enumerate(zip(plan.kinds, plan.widths)) if k == "wrap"]
    for values in sheet.rows:
        yield _row(cols, r, values, wraps)
        r += 1
    sheet.written = r - plan.first_row
    totals = sheet.totals() if callable(sheet.totals) else sheet.totals
    if totals is not None:
        yield _row(_columns(plan.letters, plan.bold, plan.kinds), r, totals, wraps)
        r += 1
    notes = _columns(["A"], [plan.note], ["text"])
    for line in sheet.notes() if callable(sheet.notes) else sheet.notes:
        yield _row(notes, r, [line])
        r += 1
    if sheet.signature:
        yield _row(notes, r + 1, [SIGNATURE])  # one blank line above it


_DIMENSION = re.compile(r"<dimension [^>]*/>")


def _assemble(skeleton: IO[bytes], plans: list[_Plan], sheets: Sequence[Sheet],
              out: IO[bytes]) -> None:
    by_marker = {p.marker: (p, s) for p, s in zip(plans, sheets)}
    # level 1: the XML is repetitive, so fast compression gives nearly the same size
    with zipfile.ZipFile(skeleton) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            found = None
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                found = next(((m, text) for m in by_marker if m in text), None)
            if found is None:
                zout.writestr(info, data)
                continue
            marker, text = found
            plan, sheet = by_marker[marker]
            at = text.index(marker)
            start, end = text.rindex("<row ", 0, at), text.index("</row>", at) + len("</row>")
            # the dimension openpyxl wrote counts the marker row only; it is optional
            head = _DIMENSION.sub("", text[:start], count=1)
            for row, height in plan.heads.items():
                head = re.sub(f'<row r="{row}"[^>]*>',
                              f'<row r="{row}" ht="{height}" customHeight="1">', head, count=1)
            with zout.open(info.filename, "w", force_zip64=True) as fh:
                stream = io.BufferedWriter(_Raw(fh), buffer_size=1 << 20)
                stream.write(head.encode("utf-8"))
                for chunk in _rows_xml(plan, sheet):
                    stream.write(chunk.encode("utf-8"))
                stream.write(text[end:].encode("utf-8"))
                stream.flush()


class _Raw(io.RawIOBase):
    """Lets a BufferedWriter batch the many small row writes into large zip writes."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        return self.fh.write(b)
