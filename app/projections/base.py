"""Projections: plain folds over events into SQL tables.

A projection declares its tables and, per event type, a function
``apply(rows, event)`` that reads and writes rows by primary key. The same
functions run on the live path (rows loaded from and written back to the
database inside the append's transaction), in a rebuild (rows held in memory
and written in bulk at the end) and for as-of queries (rows folded in memory up
to a position, then loaded into an in-memory SQLite database).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sqlalchemy import Connection, MetaData, Table, and_, bindparam

from ..events.model import RecordedEvent

metadata = MetaData()

Row = dict[str, Any]
Key = tuple


def _key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


class Rows:
    """Keyed access to projection rows; the one interface every apply function sees."""

    def get(self, table: Table, *key: Any) -> Row | None:
        raise NotImplementedError

    def put(self, table: Table, row: Row) -> None:
        raise NotImplementedError

    def delete(self, table: Table, *key: Any) -> None:
        raise NotImplementedError


class MemoryRows(Rows):
    def __init__(self) -> None:
        self.tables: dict[str, dict[Key, Row]] = {}
        self._keys: dict[str, list[str]] = {}

    def _of(self, table: Table) -> dict[Key, Row]:
        t = self.tables.get(table.name)
        if t is None:
            t = self.tables[table.name] = {}
            self._keys[table.name] = _key_columns(table)
        return t

    def get(self, table: Table, *key: Any) -> Row | None:
        return self._of(table).get(key)

    def put(self, table: Table, row: Row) -> None:
        t = self._of(table)
        t[tuple(row[k] for k in self._keys[table.name])] = row

    def delete(self, table: Table, *key: Any) -> None:
        self._of(table).pop(key, None)

    def write(self, conn: Connection, tables: Iterable[Table], chunk: int = 20000) -> None:
        for table in tables:
            rows = list(self.tables.get(table.name, {}).values())
            cols = [c.name for c in table.columns]
            for i in range(0, len(rows), chunk):
                conn.execute(table.insert(), [{c: r.get(c) for c in cols} for r in rows[i:i + chunk]])


class SqlRows(Rows):
    """Rows read from the database on first use and written back on flush."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[str, Key], Row | None] = {}
        self._existed: set[tuple[str, Key]] = set()
        self._dirty: dict[tuple[str, Key], Table] = {}
        self._tables: dict[str, Table] = {}

    def get(self, table: Table, *key: Any) -> Row | None:
        ck = (table.name, key)
        if ck not in self._cache:
            pk = list(table.primary_key.columns)
            row = self.conn.execute(
                table.select().where(and_(*[c == v for c, v in zip(pk, key)]))
            ).mappings().first()
            self._cache[ck] = dict(row) if row is not None else None
            if row is not None:
                self._existed.add(ck)
        return self._cache[ck]

    def put(self, table: Table, row: Row) -> None:
        key = tuple(row[k] for k in _key_columns(table))
        ck = (table.name, key)
        if ck not in self._cache:
            self.get(table, *key)
        self._cache[ck] = row
        self._dirty[ck] = table

    def delete(self, table: Table, *key: Any) -> None:
        ck = (table.name, key)
        if ck not in self._cache:
            self.get(table, *key)
        self._cache[ck] = None
        self._dirty[ck] = table

    def flush(self) -> None:
        by_table: dict[str, tuple[Table, list[Key], list[Row]]] = {}
        for ck, table in self._dirty.items():
            entry = by_table.setdefault(table.name, (table, [], []))
            if ck in self._existed:
                entry[1].append(ck[1])
            row = self._cache[ck]
            if row is not None:
                entry[2].append(row)
        for table, stale, fresh in by_table.values():
            pk = list(table.primary_key.columns)
            if stale:
                cond = and_(*[c == bindparam(f"k_{c.name}") for c in pk])
                self.conn.execute(table.delete().where(cond),
                                  [{f"k_{c.name}": v for c, v in zip(pk, key)} for key in stale])
            if fresh:
                cols = [c.name for c in table.columns]
                self.conn.execute(table.insert(), [{c: r.get(c) for c in cols} for r in fresh])
        self._existed.update(k for k, v in self._dirty.items() if self._cache[k] is not None)
        self._existed.difference_update(k for k in self._dirty if self._cache[k] is None)
        self._dirty.clear()


Apply = Callable[[Rows, RecordedEvent], None]


@dataclass
class Projection:
    name: str
    tables: list[Table]
    handlers: dict[str, list[Apply]] = field(default_factory=dict)

    def on(self, *event_types: str) -> Callable[[Apply], Apply]:
        def register(fn: Apply) -> Apply:
            for t in event_types:
                self.handlers.setdefault(t, []).append(fn)
            return fn
        return register
