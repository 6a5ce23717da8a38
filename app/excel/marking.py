"""The upload sent back with each bad cell filled red and a comment saying what is wrong, and a
first sheet listing every error with a link to its cell.

Nothing of the user's data or layout is changed: the bad cells keep their font (only its colour
turns red), the copy opens on the first bad cell, and the list sheet is read past when the
corrected copy is imported again (reading.py), so the user imports the copy as it is.
"""
from __future__ import annotations

import io
import warnings
from collections import defaultdict
from copy import copy
from typing import TYPE_CHECKING, Protocol, Sequence

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.hyperlink import Hyperlink

from .formula_safe import neutralise_sheet, safe_row
from .reading import ERRORS_SHEET

if TYPE_CHECKING:
    from .reading import SheetData


class Issue(Protocol):
    """What is marked: an import's issue (importing.Issue)."""

    row: int | None
    column: str | None
    cell: str | None
    message: str

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's own "bad" red
BAD_COLOUR = "9C0006"
AUTHOR = "督办系统导入检查"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def mark_copy(data: bytes, sheet: "SheetData | None", issues: Sequence[Issue]) -> bytes | None:
    """The marked workbook, or None when the upload cannot be opened as a workbook at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data))
    except Exception:  # not a workbook: there is nothing to mark
        return None
    for old in [ws for ws in wb.worksheets if ws.title == ERRORS_SHEET]:
        wb.remove(old)  # the list of an earlier round
    ws = wb.worksheets[0]
    by_cell: dict[str, list[str]] = defaultdict(list)
    for issue in issues:
        # a problem with the file as a whole goes on the header row's first cell, or A1; one in a
        # merged range on its top-left cell, with the others of that range
        ref = issue.cell or (f"A{sheet.header_row}" if sheet is not None else "A1")
        by_cell[_writable(ws, ws[ref.split(":")[0]]).coordinate].append(issue.message)
    for ref, messages in by_cell.items():
        cell = ws[ref]
        cell.fill = BAD_FILL
        font = copy(cell.font)
        font.color = BAD_COLOUR
        cell.font = font
        text = "\n".join(f"{i}. {m}" for i, m in enumerate(messages, 1)) \
            if len(messages) > 1 else messages[0]
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, 40 + 40 * len(messages)
        cell.comment = comment
    neutralise_sheet(ws)  # the upload's own texts come back as texts, never as formulas
    _list_sheet(wb, ws, issues, sheet)
    if by_cell:
        _open_at(wb, ws, next(iter(by_cell)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _list_sheet(wb, ws, issues: Sequence[Issue], sheet: "SheetData | None") -> None:
    """The first sheet: one line per error, its cell a link to the cell in the data sheet."""
    errors = wb.create_sheet(ERRORS_SHEET, 0)
    errors.append(["序号", "行", "列", "单元格", "错误说明"])
    for c in errors[1]:
        c.font, c.fill = Font(bold=True), HEADER_FILL
    for n, issue in enumerate(issues, 1):
        ref = issue.cell or (f"A{sheet.header_row}" if sheet is not None else "A1")
        errors.append(safe_row(errors, [n, issue.row, issue.column, ref, issue.message]))
        link = errors.cell(errors.max_row, 4)
        link.hyperlink = Hyperlink(ref=link.coordinate,
                                   location=f"{quote_sheetname(ws.title)}!{ref.split(':')[0]}")
        link.font = Font(color="0563C1", underline="single")
        errors.cell(errors.max_row, 5).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (6, 7, 16, 10, 80)):
        errors.column_dimensions[letter].width = width
    errors.freeze_panes = "A2"
    errors.sheet_view.tabSelected = False


def _open_at(wb, ws, ref: str) -> None:
    """The copy opens on the data sheet with the first bad cell selected and in view."""
    cell = ref.split(":")[0]
    wb.active = wb.worksheets.index(ws)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    view = ws.sheet_view
    view.selection[0].activeCell = cell
    view.selection[0].sqref = cell
    if ws.freeze_panes is None:  # a few rows above it stay in view for context
        view.topLeftCell = f"A{max(1, coordinate_to_tuple(cell)[0] - 3)}"


def _writable(ws, cell):
    """The top-left cell of a merged range stands for all of it."""
    if not isinstance(cell, MergedCell):
        return cell
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return cell
