"""What the SQLite and PostgreSQL recorders share: statements sent straight to the driver.

Appending one event and reading many are what the store does most; running them on the DB-API
cursor of a SQLAlchemy connection (same connection, same transaction) skips SQLAlchemy's
per-statement and per-row work, which costs more than the database does. A write session runs on
the connection the recorder keeps between write transactions (connections.py); writes that need
no answer (events, projection rows, command results) wait until the next read or the commit.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import IntegrityError

from ..connections import KeptConnection, kept_connection
from ..tables import EventRow
from .base import (ConcurrencyConflict, DriverSQL, Head, Recorder, Session, head_of,
                   is_events_conflict)


class DriverRecorder(Recorder):
    fast = True

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sql = DriverSQL(engine.dialect.paramstyle)
        self.mark = self.sql.mark
        self.integrity_errors = (IntegrityError, engine.dialect.loaded_dbapi.IntegrityError)
        # not for an in-memory database: its one connection is shared by every user of the engine
        in_memory = engine.url.database in (None, "", ":memory:")
        self.kept: KeptConnection | None = None if in_memory else kept_connection(engine)

    def take(self):
        """The connection for a write session, and what its last session left on it."""
        if self.kept is not None:
            return self.kept.take(self.engine)
        return self.engine.connect(), None

    def read_all(self, conn: Connection, after: int, until: int | None, limit: int | None,
                 batch: int, chain: bool) -> Iterator[list[Sequence[Any]]]:
        sql = self.sql
        if chain:
            query = sql.read_after if until is None else sql.read_after_until
        else:
            query = sql.fold_after if until is None else sql.fold_after_until
        remaining, last = limit, after
        if not conn.in_transaction():
            conn.begin()  # as conn.execute() would: SQLite then reads one snapshot throughout
        cursor = conn.connection.cursor()
        try:
            while remaining is None or remaining > 0:
                size = batch if remaining is None else min(batch, remaining)
                cursor.execute(query, (last, size) if until is None else (last, until, size))
                rows = cursor.fetchall()
                yield rows
                if len(rows) < size:
                    return
                last = rows[-1][0]
                if remaining is not None:
                    remaining -= len(rows)
        finally:
            cursor.close()

    def read_stream(self, conn: Connection, stream_id: str,
                    until: int | None) -> list[Sequence[Any]]:
        # Every page about one thing loads its stream: on the driver's cursor, as read_all.
        if not conn.in_transaction():
            conn.begin()
        cursor = conn.connection.cursor()
        try:
            if until is None:
                cursor.execute(self.sql.read_stream, (stream_id,))
            else:
                cursor.execute(self.sql.read_stream_until, (stream_id, until))
            return cursor.fetchall()
        finally:
            cursor.close()

    def head(self, conn: Connection) -> Head:
        if not conn.in_transaction():
            conn.begin()
        cursor = conn.connection.cursor()
        try:
            cursor.execute(self.sql.head)
            return head_of(cursor.fetchone())
        finally:
            cursor.close()


class DriverSession(Session):
    def __init__(self, recorder: DriverRecorder, conn: Connection) -> None:
        self.recorder = recorder
        self.sql = recorder.sql
        self.mark = recorder.mark
        self.conn = conn  # kept between sessions: SQLAlchemy's work is done once
        self.driver = conn.connection.driver_connection
        self._cursor = None
        self._pending: list[tuple[str, Sequence[Any]]] = []
        self._last_stream = ""  # of the last event inserted: named by a conflict at write time
        self._committed = False
        self._joined = False  # the SQLAlchemy Connection joined the transaction

    def cursor(self):
        if self._cursor is None:
            self._cursor = self.driver.cursor()
        return self._cursor

    def write(self, sql: str, params: Sequence[Any]) -> None:
        self._pending.append((sql, params))

    def insert(self, row: EventRow) -> None:
        self._last_stream = row.stream_id
        self._pending.append((self.sql.insert, row))

    def conflict_or(self, exc: Exception) -> Exception:
        if is_events_conflict(exc):
            return ConcurrencyConflict(self._last_stream, -1, -1)
        return exc

    def flush(self):
        """Every waiting write sent, the lock held; the cursor, ready for a read."""
        raise NotImplementedError

    def connection(self) -> Connection:
        self.flush()
        if not self._joined:
            self.conn.begin()  # joins the transaction already open on the driver
            self._joined = True
        return self.conn

    def insert_many(self, table: Table, columns: list[str], values: list[tuple],
                    chunk: int = 20000) -> None:
        cursor = self.flush()
        q = '"{}"'.format
        sql = (f'INSERT INTO {q(table.name)} ({", ".join(map(q, columns))}) '
               f'VALUES ({", ".join([self.mark] * len(columns))})')
        for i in range(0, len(values), chunk):
            cursor.executemany(sql, values[i:i + chunk])

    def end_transaction(self, commit: bool) -> None:
        """The SQLAlchemy Connection's transaction, if one was joined, ends with the driver's."""
        if self._joined:
            (self.conn.commit if commit else self.conn.rollback)()
        else:
            (self.driver.commit if commit else self.driver.rollback)()

    def rollback(self, confirm: bool) -> None:
        self._pending.clear()
        self.end_transaction(commit=False)

    def release(self, keep: bool, mark) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        kept = self.recorder.kept
        if keep and kept is not None:
            kept.give(self.recorder.engine, self.conn, mark)
        else:
            self.conn.close()
