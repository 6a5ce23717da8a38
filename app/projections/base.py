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
from operator import itemgetter
from typing import Any, Callable, Iterable

from sqlalchemy import MetaData, Table

from .. import fast_paths
from ..events.cache import HeadStateCache
from ..events.model import RecordedEvent
from ..events.transaction import Transaction

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


def insert_sql(table: Table, mark: str) -> str:
    cols = [c.name for c in table.columns]
    return (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
            f'VALUES ({", ".join([mark] * len(cols))})')


class MemoryRows(Rows):
    """All rows in dictionaries: the rebuild's and the as-of snapshot's working state."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Row]] = {}
        self._keyfn: dict[str, Callable[[Row], Any]] = {}

    def _of(self, table: Table) -> dict[Any, Row]:
        t = self.tables.get(table.name)
        if t is None:
            t = self.tables[table.name] = {}
            keys = _key_columns(table)
            self._keyfn[table.name] = (itemgetter(keys[0]) if len(keys) == 1
                                       else itemgetter(*keys))
        return t

    def get(self, table: Table, *key: Any) -> Row | None:
        return self._of(table).get(key[0] if len(key) == 1 else key)

    def put(self, table: Table, row: Row) -> None:
        self._of(table)[self._keyfn[table.name](row)] = row

    def delete(self, table: Table, *key: Any) -> None:
        self._of(table).pop(key[0] if len(key) == 1 else key, None)

    def write(self, insert_many: InsertMany, tables: Iterable[Table]) -> None:
        """Every row, handed table by table to ``insert_many(table, columns, values)``: a
        rebuild's transaction's (``Transaction.insert_many``) or an SQLite snapshot's."""
        for table in tables:
            rows = self.tables.get(table.name)
            if rows:
                cols = [c.name for c in table.columns]
                insert_many(table, cols, _values(rows.values(), cols))


InsertMany = Callable[[Table, list[str], list[tuple]], None]


def _values(rows: Iterable[Row], cols: list[str]) -> list[tuple]:
    """Each row as a tuple in the columns' order; a column a row lacks is NULL."""
    if len(cols) == 1:
        return [(r.get(cols[0]),) for r in rows]
    pick = itemgetter(*cols)
    values = []
    for r in rows:
        try:
            values.append(pick(r))
        except KeyError:
            values.append(tuple(r.get(c) for c in cols))
    return values


class _Statements:
    """Per table and parameter style: select, update, delete by primary key, and insert.

    The live path runs them on the DB-API cursor of the append's own connection (same
    transaction): a command touches a handful of rows, and SQLAlchemy's per-statement work would
    cost more than the database's.
    """

    def __init__(self, table: Table, mark: str) -> None:
        q = '"{}"'.format
        self.columns = [c.name for c in table.columns]
        self.key_names = [c.name for c in table.primary_key.columns]
        self.other_names = [n for n in self.columns if n not in self.key_names]
        self._where = " AND ".join(f"{q(n)} = {mark}" for n in self.key_names)
        self._name = name = q(table.name)
        self._mark = mark
        self.select = f"SELECT {', '.join(map(q, self.columns))} FROM {name} WHERE {self._where}"
        self.delete = f"DELETE FROM {name} WHERE {self._where}"
        self.insert = insert_sql(table, mark)
        # a whole row written without knowing whether its key is there yet
        keys = ", ".join(map(q, self.key_names))
        sets = ", ".join(f"{q(n)} = excluded.{q(n)}" for n in self.other_names)
        self.upsert = (f"{self.insert} ON CONFLICT ({keys}) "
                       + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING"))
        self._updates: dict[tuple[str, ...], str] = {}

    def update(self, changed: tuple[str, ...]) -> str:
        """UPDATE of the changed columns only: an index none of them is in is left alone
        (SQLite rewrites every index on a column it sets; PostgreSQL can update in place)."""
        sql = self._updates.get(changed)
        if sql is None:
            sets = ", ".join(f'"{n}" = {self._mark}' for n in changed)
            sql = self._updates[changed] = f"UPDATE {self._name} SET {sets} WHERE {self._where}"
        return sql


# The statement cache, a fast path: with the switch off each statement is written when used.
_STATEMENTS: dict[tuple[Table, str], _Statements] = {}


def _cached_statements(table: Table, mark: str) -> _Statements:
    st = _STATEMENTS.get((table, mark))
    if st is None:
        st = _STATEMENTS[(table, mark)] = _Statements(table, mark)
    return st


def read_row(tx: Transaction, table: Table, key: Key, after_writes: bool = True) -> Row | None:
    """One row by primary key from the database, on the transaction's own driver cursor."""
    st = (_cached_statements if fast_paths.enabled() else _Statements)(table, tx.mark)
    rows = tx.rows(st.select, key, after_writes=after_writes)
    return dict(zip(st.columns, rows[0])) if rows else None


class SqlRows(Rows):
    """Rows read on first use and written back on flush: the live path, one per transaction.

    A row comes from this transaction's own view, else from the rows this process left behind
    at the head it found (``cache``, a fast path: a copy, as apply functions change what they
    get), else from the database. Reads and writes go through the transaction in the driver's
    SQL (``tx.rows``, ``tx.write``): a command touches a handful of rows, and SQLAlchemy's
    per-statement work would cost more than the database's. At commit the rows seen here join the
    process's cache. With the fast paths off there is no cache and no statement cache.
    """

    def __init__(self, tx: Transaction, cache: HeadStateCache | None) -> None:
        self.tx = tx
        self._shared = cache if cache is not None and cache.begin(tx.start_head) else None
        self._mark = tx.mark
        self._statements = _cached_statements if cache is not None else _Statements
        self._cache: dict[tuple[str, Key], Row | None] = {}  # as the apply functions left them
        self._stored: dict[tuple[str, Key], Row | None] = {}  # as sent to the database
        self._dirty: dict[tuple[str, Key], Table] = {}
        if cache is not None:
            start = tx.start_head
            tx.after_commit(lambda: cache.commit(start, tx.head, self._committed()))

    def get(self, table: Table, *key: Any) -> Row | None:
        ck = (table.name, key)
        if ck in self._cache:
            return self._cache[ck]
        stored = _MISSING if self._shared is None else self._shared.get(ck, _MISSING)
        if stored is _MISSING:
            # A waiting write to this row would have kept it in _cache: none can change the answer.
            stored = read_row(self.tx, table, key, after_writes=False)
        self._stored[ck] = stored  # never handed out: apply functions change what they get
        found = self._cache[ck] = None if stored is None else dict(stored)
        return found

    def put(self, table: Table, row: Row) -> None:
        st = self._statements(table, self._mark)
        key = tuple(row[k] for k in st.key_names)
        ck = (table.name, key)
        if ck not in self._cache:
            known = self._shared is not None and self._shared.get(ck, _MISSING) is not _MISSING
            if not known and all(c in row for c in st.columns):
                # a whole row needs no read of what was there: it is written as an upsert (on
                # PostgreSQL a round trip saved, as for each month's first progress)
                self._stored[ck] = _UNKNOWN
            else:
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
        """Hand the changed rows to the transaction, which sends them with its next round trip."""
        write = self.tx.write
        for ck, table in self._dirty.items():
            st = self._statements(table, self._mark)
            row = self._cache[ck]
            stored = self._stored[ck]
            if row is None:
                if stored is not None:
                    write(st.delete, ck[1])
            elif stored is _UNKNOWN:
                write(st.upsert, [row.get(c) for c in st.columns])
            elif stored is None:
                write(st.insert, [row.get(c) for c in st.columns])
            else:
                changed = tuple(n for n in st.other_names if row.get(n) != stored.get(n))
                if changed:
                    write(st.update(changed), [row.get(n) for n in changed] + list(ck[1]))
            self._stored[ck] = None if row is None else dict(row)
        self._dirty.clear()

    def _committed(self) -> dict[tuple[str, Key], Row | None]:
        """The rows as the database holds them once the transaction commits."""
        return {ck: row for ck, row in self._stored.items() if row is not _UNKNOWN}


_MISSING = object()
_UNKNOWN = object()  # a row put whole without reading what its key held


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
