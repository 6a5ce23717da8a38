"""PostgreSQL statements with their values written in, so that several go in one string.

psycopg sends one statement per round trip with its values apart; the writes of a command and
its COMMIT go in one string instead (see transaction.py), which needs the values as SQL literals.
"""
from __future__ import annotations

import math
from typing import Any, Sequence


class Literals:
    def __init__(self, driver) -> None:
        self.driver = driver
        self._mogrify = None
        # with standard_conforming_strings a backslash in '...' is an ordinary character
        self._plain_strings = (
            driver.info.parameter_status("standard_conforming_strings") == "on")

    def __call__(self, sql: str, params: Sequence[Any]) -> str:
        fast = _plain(params) if self._plain_strings else None
        if fast is not None:
            return sql % fast
        if self._mogrify is None:
            from psycopg import ClientCursor

            self._mogrify = ClientCursor(self.driver).mogrify
        return self._mogrify(sql, params)

    def statements(self, pending: list[tuple[str, Sequence[Any]]]) -> list[str]:
        """The statements written out; consecutive INSERTs of one kind become one INSERT of
        many rows, which the server parses once (an append of many events, an import)."""
        out: list[str] = []
        i = 0
        while i < len(pending):
            sql, params = pending[i]
            j = i + 1
            while j < len(pending) and pending[j][0] == sql:
                j += 1
            # an upsert stays one per row: its ON CONFLICT clause follows the values, and one
            # statement may not touch a row twice
            if (j - i > 1 and sql.startswith("INSERT ") and " VALUES " in sql
                    and " ON CONFLICT " not in sql):
                head, row = sql.split(" VALUES ", 1)
                out.append(head + " VALUES " + ", ".join(self(row, p) for _, p in pending[i:j]))
            else:
                out.extend(self(s, p) for s, p in pending[i:j])
            i = j
        return out


def _plain(params: Sequence[Any]) -> tuple[str, ...] | None:
    """Literals of the values a command writes (text, true and false, whole and finite numbers,
    NULL); None when one is of another kind, for psycopg's own adaptation to write instead."""
    out = []
    for v in params:
        t = type(v)
        if t is str:
            out.append("'" + v.replace("'", "''") + "'")
        elif v is None:
            out.append("NULL")
        elif t is bool:  # as psycopg writes it (a task's lead unit, a key task, an on-time flag)
            out.append("true" if v else "false")
        elif t is int:
            out.append(str(v))
        elif t is float and math.isfinite(v):
            out.append(repr(v))
        else:
            return None
    return tuple(out)
