"""Chinese wording for marshmallow's validation messages."""
from __future__ import annotations

import re

_EXACT = {
    "Missing data for required field.": "必填项，不能为空。",
    "Field may not be null.": "不能为空。",
    "Unknown field.": "未知字段。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid string.": "不是有效的文本。",
    "Not a valid date.": "不是有效的日期（格式 YYYY-MM-DD）。",
    "Not a valid datetime.": "不是有效的时刻（ISO 8601，带时区）。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid list.": "不是有效的列表。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "取值无效。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大。",
}
_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: f"必须是以下之一：{m.group(1)}。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda m: f"长度不能少于 {m.group(1)}。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: f"长度不能超过 {m.group(1)}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: f"长度须在 {m.group(1)} 到 {m.group(2)} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\S+)( and less than or equal to (\S+))?\.$"),
     lambda m: f"须不小于 {m.group(1)}" + (f"且不大于 {m.group(3)}" if m.group(3) else "") + "。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), lambda m: f"须不大于 {m.group(1)}。"),
    (re.compile(r"^Must be greater than (\S+)\.$"), lambda m: f"须大于 {m.group(1)}。"),
    (re.compile(r"^String does not match expected pattern\.$"), lambda m: "格式不正确。"),
]


def translate(message: str) -> str:
    if message in _EXACT:
        return _EXACT[message]
    for pattern, render in _PATTERNS:
        m = pattern.match(message)
        if m:
            return render(m)
    return message


def translate_errors(errors: dict | list | str) -> dict[str, list[str]]:
    """Flatten marshmallow's error tree into {field: [Chinese messages]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(node, list) and all(isinstance(x, str) for x in node):
            out.setdefault(prefix or "_schema", []).extend(translate(x) for x in node)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(f"{prefix}.{i}", v)
        else:
            out.setdefault(prefix or "_schema", []).append(translate(str(node)))

    walk("", errors)
    return out
