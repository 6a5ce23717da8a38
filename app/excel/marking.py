"""The upload sent back with each bad cell filled red and a comment saying what is wrong.

Only fills and comments are added: the user corrects the copy and imports it again as it is.
"""
from __future__ import annotations

import io
import warnings
from collections import defaultdict
from typing import TYPE_CHECKING, Sequence

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from .formula_safe import neutralise_sheet

if TYPE_CHECKING:
    from .importing import Issue
    from .reading import SheetData

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's own "bad" red
BAD_FONT = Font(color="9C0006")
AUTHOR = "督办系统导入检查"


def mark_copy(data: bytes, sheet: "SheetData | None", issues: Sequence["Issue"]) -> bytes | None:
    """The marked workbook, or None when the upload cannot be opened as a workbook at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data))
    except Exception:  # not a workbook: there is nothing to mark
        return None
    ws = wb.worksheets[0]
    by_cell: dict[str, list[str]] = defaultdict(list)
    for issue in issues:
        # a problem with the file as a whole goes on the header row's first cell, or A1
        ref = issue.cell or (f"A{sheet.header_row}" if sheet is not None else "A1")
        by_cell[ref].append(issue.message)
    for ref, messages in by_cell.items():
        cell = _writable(ws, ws[ref])
        cell.fill = BAD_FILL
        cell.font = BAD_FONT
        text = "\n".join(f"{i}. {m}" for i, m in enumerate(messages, 1)) \
            if len(messages) > 1 else messages[0]
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, 40 + 40 * len(messages)
        cell.comment = comment
    neutralise_sheet(ws)  # the upload's own texts come back as texts, never as formulas
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _writable(ws, cell):
    """The top-left cell of a merged range stands for all of it."""
    if not isinstance(cell, MergedCell):
        return cell
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return cell
