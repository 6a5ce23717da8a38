"""Text that can be stored: no NUL character and no lone surrogate.

PostgreSQL refuses a NUL byte in text (the driver raises, the answer would be a 500), and a lone
surrogate (``"\\ud800"`` in JSON) cannot be written as UTF-8 at all. Both are refused where input
enters: a JSON body, query parameters and form fields, and every command's payload."""
from __future__ import annotations

import re
from typing import Any

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "文本中不能含有空字符（NUL）。"
SURROGATE_MESSAGE = "文本中含有无效字符（孤立的代理项）。"


def text_problem(value: str) -> str | None:
    """Why a text is refused, or None. (A pair of surrogates never reaches Python as two
    characters: JSON and UTF-8 decoding join it into one, so any surrogate here is alone.)"""
    found = BAD_CHARACTERS.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def bad_text_fields(value: Any, name: str = "") -> dict[str, list[str]]:
    """{field path: [message]} for each text in a nested value (keys too) that cannot be stored."""
    out: dict[str, list[str]] = {}
    stack = [(name, value)]
    while stack:
        path, node = stack.pop()
        if type(node) is str:
            problem = text_problem(node)
            if problem:
                out.setdefault(path or "_schema", []).append(problem)
        elif isinstance(node, dict):
            for key, item in node.items():
                key_text = str(key)
                if text_problem(key_text):
                    out.setdefault(path or "_schema", []).append(text_problem(key_text) or "")
                    key_text = BAD_CHARACTERS.sub("?", key_text)
                stack.append((f"{path}.{key_text}" if path else key_text, item))
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                stack.append((f"{path}.{i}" if path else str(i), item))
        elif isinstance(node, str):  # a str subclass
            stack.append((path, str(node)))
    return out


def has_bad_text(payload: dict) -> bool:
    """Quick yes/no for a command's payload (mostly flat: texts, numbers, lists of texts)."""
    search = BAD_CHARACTERS.search
    for key, value in payload.items():
        if type(value) is str:
            if search(value) is not None:
                return True
        elif value is None or type(value) in (int, float, bool):
            continue
        elif bad_text_fields(value):
            return True
        if type(key) is not str or search(key) is not None:
            return True
    return False
