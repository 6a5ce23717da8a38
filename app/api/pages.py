"""Pages of list answers: ``limit`` and an opaque ``cursor`` in, an array of at most ``limit``
rows out, the next page's address in a ``Link: <…>; rel="next"`` header and the number of
rows of every page together in ``X-Total-Count``.

A list query answers either a plain list (sliced here: small lists such as units or a
problem's history) or a :class:`Page`: a SELECT in the order of one unique key column and a
formatter of its rows, paged in SQL by that key (keyset: ``WHERE key > last ORDER BY key
LIMIT n``), so that a ledger of any size costs one page and one COUNT, never the whole table.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from marshmallow import Schema, fields
from sqlalchemy import Connection, Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from ..domain.errors import InvalidCommand
from ..limits.paging import limit_field

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
MAX_COUNTS_KEPT = 256  # totals kept per snapshot
_BAD_CURSOR = "分页游标无效：请使用上一页答复 Link 头中的地址，或去掉 cursor 从第一页查起。"


class PageArgs(Schema):
    limit = limit_field(default=DEFAULT_LIMIT, maximum=MAX_LIMIT, metadata={
        "description": f"每页条数（默认 {DEFAULT_LIMIT}，至多 {MAX_LIMIT}）"})
    cursor = fields.String(load_default=None, metadata={
        "description": "下一页的游标：取自上一页答复的 Link 头（rel=\"next\"），不透明，勿自行构造"})


@dataclass
class Page:
    """A list answer paged in SQL: ``select`` ordered by the unique column ``key``;
    ``format`` turns one page's rows into the answer's objects (it may read more for just those
    rows, such as each project's year-to-date investment)."""

    select: Select
    format: Callable[[Sequence[Any]], list[dict]]
    key: ColumnElement

    def all(self, conn: Connection) -> list[dict]:
        """Every row at once, for callers that need the whole list."""
        return self.format(conn.execute(self.select).all())


@dataclass
class PageOut:
    rows: list
    total: int
    next_cursor: str | None


def encode_cursor(kind: str, value: Any) -> str:
    raw = json.dumps({kind: value}, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None, kind: str) -> Any:
    """The value a cursor of this kind carries (None without a cursor); 400 when it is not one."""
    if text is None:
        return None
    try:
        if len(text) > 2000:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        value = data[kind]
        if set(data) != {kind}:
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCommand(_BAD_CURSOR, {"cursor": [_BAD_CURSOR]}) from None
    if kind == "o" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise InvalidCommand(_BAD_CURSOR, {"cursor": [_BAD_CURSOR]})
    if kind == "k" and (not isinstance(value, (str, int)) or isinstance(value, bool)):
        raise InvalidCommand(_BAD_CURSOR, {"cursor": [_BAD_CURSOR]})
    return value


def page_of(answer: Any, conn: Connection, limit: int, cursor: str | None,
            counts: dict | None = None) -> PageOut:
    """One page of a list answer (a list or a :class:`Page`). ``counts``: the totals already
    counted on ``conn``, by statement, where its tables never change (an as-of snapshot)."""
    if isinstance(answer, Page):
        return _keyset(answer, conn, limit, cursor, counts)
    if not isinstance(answer, list):
        answer = list(answer)
    start = decode_cursor(cursor, "o") or 0
    rows = answer[start:start + limit]
    more = start + limit < len(answer)
    return PageOut(rows, len(answer), encode_cursor("o", start + limit) if more else None)


def _keyset(page: Page, conn: Connection, limit: int, cursor: str | None,
            counts: dict | None) -> PageOut:
    after = decode_cursor(cursor, "k")
    if after is not None and not isinstance(after, _python_type(page.key)):
        raise InvalidCommand(_BAD_CURSOR, {"cursor": [_BAD_CURSOR]})  # else a driver error
    total = _count(conn, select(func.count()).select_from(page.select.order_by(None).subquery()),
                   counts)
    q = page.select
    if after is not None:
        q = q.where(page.key > after)
    rows = conn.execute(q.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]._mapping[page.key]
        next_cursor = encode_cursor("k", last)
    return PageOut(page.format(rows), total, next_cursor)


def _count(conn: Connection, statement: Select, counts: dict | None) -> int:
    if counts is None:
        return conn.execute(statement).scalar_one()
    compiled = statement.compile(conn)
    key = (str(compiled), repr(sorted(compiled.params.items())))
    if key not in counts:
        if len(counts) >= MAX_COUNTS_KEPT:
            counts.clear()
        counts[key] = conn.execute(statement).scalar_one()
    return counts[key]


def _python_type(column: ColumnElement) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object
