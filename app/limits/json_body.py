"""A JSON body: at most 1 MB (Flask's MAX_CONTENT_LENGTH), nested at most 32 deep, every text
storable. Checked as the body is parsed, so that every route reading JSON (the login too) gets
the same 400 with a Chinese message instead of a 500 from the parser or the database."""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

from ..domain.errors import InvalidCommand
from .text import bad_text_fields

MAX_JSON_BYTES = 1024 * 1024
MAX_DEPTH = 32
DEPTH_MESSAGE = f"JSON 嵌套层数不能超过 {MAX_DEPTH} 层。"


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when objects and arrays are nested more than ``limit`` levels ({} is one level)."""
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        level.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False


def check_json(value: Any) -> Any:
    """The parsed body as it was, or InvalidCommand (400) when it is too deep or holds a text
    that cannot be stored."""
    if isinstance(value, (dict, list)):
        if too_deep(value):
            raise InvalidCommand(DEPTH_MESSAGE)
        bad = bad_text_fields(value)
        if bad:
            raise InvalidCommand("输入有误，请检查标出的字段。", bad)
    elif isinstance(value, str):
        bad = bad_text_fields(value)
        if bad:
            raise InvalidCommand("输入有误，请检查标出的字段。", bad)
    return value


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with every parsed request body held to the limits above."""

    ensure_ascii = False  # Chinese text as is

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:  # the parser's own stack ran out: far deeper than allowed
            raise InvalidCommand(DEPTH_MESSAGE) from None
        return check_json(value)
