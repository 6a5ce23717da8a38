"""Turning one cell into a command value, or a Chinese message saying why it cannot be one.

People type numbers as text, months as dates, dates in four spellings; what is unambiguous is
accepted, and everything else is refused with the value quoted back.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from .reading import Cell

_EXCEL_EPOCH = date(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))$")


class CellError(ValueError):
    """The cell's value cannot be used; the message is shown to the user."""


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def check_plain(cell: Cell) -> None:
    """Imports take values only: a formula could change after the check."""
    if cell.data_type == "f":
        raise CellError(f"不能使用公式（{_shown(cell.value)}），请改为填写数值"
                        f"（可复制后“选择性粘贴—数值”）。")
    if cell.data_type == "e":
        raise CellError(f"单元格是错误值 {cell.value}，请改为正确的数值。")


def text(cell: Cell | None, max_length: int | None = None) -> str | None:
    if cell is None:
        return None
    check_plain(cell)
    value = cell.value
    if isinstance(value, bool):
        raise CellError("应填写文字，不能是逻辑值。")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number: 2026001.0 -> "2026001"
    if isinstance(value, datetime):
        value = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    out = str(value).strip()
    if max_length is not None and len(out) > max_length:
        raise CellError(f"长度不能超过 {max_length} 个字符（现有 {len(out)} 个）。")
    return out or None


def number(cell: Cell | None) -> float | None:
    if cell is None:
        return None
    check_plain(cell)
    value = cell.value
    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        raise CellError(f"应填写数字（单位：万元），不能是“{_shown(value)}”。")
    if isinstance(value, (int, float)):
        return float(value)
    raw = str(value).strip()
    # a number stored as text (Excel's green triangle) is still a number
    if _NUMBER.match(raw):
        return float(raw.replace(",", ""))
    raise CellError(f"应填写数字，不能是文字“{_shown(raw)}”。")


def integer(cell: Cell | None) -> int | None:
    value = number(cell)
    if value is None:
        return None
    if not value.is_integer():
        raise CellError(f"应填写整数，不能是 {value:g}。")
    return int(value)


def day(cell: Cell | None) -> date | None:
    if cell is None:
        return None
    check_plain(cell)
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # a date cell without a date format
    m = _DATE.match(str(value).strip())
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise CellError(f"应填写日期（如 2026-03-15），不能是“{_shown(value)}”。")


def month(cell: Cell | None) -> str | None:
    """A month as YYYY-MM, from a date cell, 2026-03, 2026/3, 2026年3月 or 202603."""
    if cell is None:
        return None
    check_plain(cell)
    value = cell.value
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel keeps 2019.10 typed in a number cell as the number 2019.1: what was meant
        # cannot be told from what is stored, so no number is read as a month
        raise CellError(f"月份不能是数字（{value:g}）：Excel 会把 2019.10 存成 2019.1。"
                        f"请填写文字，如 2019-10，或先把单元格设为文本格式。")
    m = _MONTH.match(str(value).strip())
    if m:
        mm = int(m.group(2) or m.group(3))
        if 1 <= mm <= 12:
            return f"{m.group(1)}-{mm:02d}"
    raise CellError(f"应填写月份（如 2026-03），不能是“{_shown(value)}”。")


def choice(cell: Cell | None, names: Mapping[str, str], label: str) -> str | None:
    """An API value from its Chinese name (or the API value itself)."""
    raw = text(cell)
    if raw is None:
        return None
    by_name = {v: k for k, v in names.items()}
    if raw in by_name:
        return by_name[raw]
    if raw in names:
        return raw
    raise CellError(f"{label}“{_shown(raw)}”无效，应为以下之一：{'、'.join(names.values())}。")
