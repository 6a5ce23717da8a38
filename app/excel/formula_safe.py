"""Text that a spreadsheet must never take for a formula (CSV/formula injection).

openpyxl stores a string beginning with ``=`` as a formula, and Excel or LibreOffice may run a
text beginning with ``+``, ``-``, ``@``, a tab or a carriage return as one when the cell is
edited: a problem described as ``=cmd|' /C calc'!A0`` would come out of an export as a live
formula. Every writer of a workbook (exports, templates, marked copies, the staff pages' 导出,
the publicity file) puts its values through ``safe_value`` or ``set_safe``: such a text is
stored as a text cell (type ``s``) with Excel's quote prefix, exactly as typed."""
from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """A text a spreadsheet could read as a formula (a negative number is not text)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _as_text(cell: Cell | WriteOnlyCell) -> Cell | WriteOnlyCell:
    cell.data_type = "s"
    cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    return cell


def safe_value(ws, value: Any) -> Any:
    """For ``ws.append``: the value itself, or a text cell holding it when it looks like a
    formula. ``ws`` may be a write-only sheet."""
    if not formula_like(value):
        return value
    if getattr(ws.parent, "write_only", False):
        return _as_text(WriteOnlyCell(ws, value))
    return _as_text(Cell(ws, value=value))


def safe_row(ws, values) -> list:
    return [safe_value(ws, v) for v in values]


def set_safe(cell: Cell | WriteOnlyCell, value: Any) -> Cell | WriteOnlyCell:
    """Set a cell's value; a formula-like text stays text."""
    cell.value = value
    if formula_like(value):
        _as_text(cell)
    return cell


def cell(ws, row: int, column: int, value: Any = None) -> Cell:
    """``ws.cell(row, column, value)`` for a sheet of a normal workbook, formula-safe."""
    return set_safe(ws.cell(row, column), value) if value is not None else ws.cell(row, column)


def neutralise_sheet(ws) -> None:
    """Every text cell of a loaded sheet that looks like a formula is marked as text."""
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "s" and formula_like(c.value):
                _as_text(c)
