"""SQLite: the write lock with BEGIN IMMEDIATE, and the head known without reading it.

BEGIN IMMEDIATE takes the write lock before the transaction's first read, so appends are serial.
The kept connection carries what its last transaction left: ``PRAGMA data_version`` as that
transaction saw it, and the head after its commit. data_version changes only when another
connection commits, so a transaction finding it unchanged under the write lock knows the head
without reading it (and the process's caches hold at that head).
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection

from .base import Head, split_stream_and_head, head_of
from .driver import DriverRecorder, DriverSession


class SQLiteRecorder(DriverRecorder):
    def begin(self, assumed: Head | None) -> "SQLiteSession":
        conn, mark = self.take()
        try:
            return SQLiteSession(self, conn, mark)
        except BaseException:
            conn.close()
            raise


class SQLiteSession(DriverSession):
    def __init__(self, recorder: SQLiteRecorder, conn: Connection, mark) -> None:
        super().__init__(recorder, conn)
        self.driver.execute("BEGIN IMMEDIATE")
        [(self._data_version,)] = self.cursor().execute("PRAGMA data_version").fetchall()
        if mark is not None and mark[0] == self._data_version:
            self.known_head = Head(*mark[1])

    def flush(self):
        cursor = self.cursor()  # locked since BEGIN IMMEDIATE
        try:
            for sql, params in self._pending:
                cursor.execute(sql, params)
        except self.recorder.integrity_errors as exc:
            raise self.conflict_or(exc) from exc
        self._pending.clear()
        return cursor

    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        cursor = self.flush() if after_writes else self.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()

    def head(self) -> Head:
        rows = self.rows(self.sql.head, ())
        return head_of(rows[0] if rows else None)

    def stream(self, stream_id: str, since: int,
               with_head: bool) -> tuple[list[Sequence[Any]], Head | None]:
        if with_head:  # the first read brings the head along: one statement less
            return split_stream_and_head(self.rows(self.sql.stream_since_and_head,
                                                   (stream_id, since)))
        return self.rows(self.sql.stream_since, (stream_id, since)), None

    def version(self, stream_id: str, with_head: bool) -> tuple[int, Head | None]:
        if with_head:
            rows = self.rows(self.sql.version_and_head, (stream_id,))
            return (rows[0][0] or 0, head_of(rows[0][1:])) if rows else (0, head_of(None))
        [(version,)] = self.rows(self.sql.stream_version, (stream_id,))
        return version or 0, None

    def commit(self) -> None:
        try:
            if self._pending:
                self.flush()
            self.end_transaction(commit=True)
            self._committed = True
        except BaseException:
            self.rollback(confirm=False)
            raise

    def close(self, head: Head | None) -> None:
        idle = not self.driver.in_transaction
        keep_mark = (self._data_version, tuple(head)) if self._committed and head else None
        self.release(idle, keep_mark)
