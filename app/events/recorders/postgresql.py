"""PostgreSQL: the append lock taken by the first round trip, writes sent together, and an
assumed head.

The append lock is a transaction-scoped advisory lock. The connection runs in autocommit mode
with an explicit BEGIN sent in front of the first read, together with the lock: the first read
of a command is a function that takes the lock and then reads (migration 0004), one round trip.
Writes that need no answer wait, and go out in one string with the next read or with COMMIT,
their values written in as literals (literals.py); consecutive INSERTs become one.

A session may also start from an assumed head: the head this process left behind. The
transaction then decides from what the process remembers, and the session's first statement, a
read or the commit, carries a check that the head is still that one (``duban_expect_head``,
migration 0005). If another process appended meanwhile, the check fails, nothing is kept, and
StaleHead tells the caller to decide again from the database. An answer other than a commit (a
refusal, a conflict) is checked against the head the same way before it is believed.
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection, Engine, Table

from ..literals import Literals
from .base import APPEND_LOCK_KEY, GENESIS, Head, StaleHead, head_of, split_stream_and_head
from .driver import DriverRecorder, DriverSession


class PostgresRecorder(DriverRecorder):
    assumes_head = True

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        from psycopg.errors import SerializationFailure

        self.stale_errors = (SerializationFailure,)
        self.lock = f"SELECT pg_advisory_xact_lock({self.mark})"
        self.locked_stream_since_and_head = "SELECT * FROM duban_locked_stream(%s, %s, %s)"
        self.locked_version_and_head = "SELECT * FROM duban_locked_head(%s, %s)"
        self.expect_head = "SELECT duban_expect_head(%s, %s, %s)"

    def begin(self, assumed: Head | None) -> "PostgresSession":
        conn, _ = self.take()
        try:
            return PostgresSession(self, conn, assumed)
        except BaseException:
            conn.close()
            raise


class PostgresSession(DriverSession):
    recorder: PostgresRecorder

    def __init__(self, recorder: PostgresRecorder, conn: Connection, assumed: Head | None) -> None:
        super().__init__(recorder, conn)
        self.driver.autocommit = True
        self._literal = Literals(self.driver)
        self._locked = False
        self._assumed = assumed is not None
        self.known_head = assumed

    # -- round trips ------------------------------------------------------
    def _send(self, last: str | None, after_writes: bool = True):
        """In one round trip: what must come first (BEGIN with the lock, or with the check of an
        assumed head), the waiting writes, and ``last``; the cursor on its result."""
        parts = []
        if not self._locked:
            parts = ["BEGIN", self._head_check() if self._assumed
                     else self._literal(self.recorder.lock, (APPEND_LOCK_KEY,))]
        sent = self._literal.statements(self._pending) if after_writes and self._pending else []
        parts += sent
        if last is not None:
            parts.append(last)
        if parts:
            self._run("; ".join(parts), skip=len(parts) - 1)
        self._locked, self._assumed = True, False
        if sent:
            self._pending = []
        return self.cursor()

    def _head_check(self) -> str:
        head = self.known_head
        return self._literal(self.recorder.expect_head,
                             (APPEND_LOCK_KEY, head.position, head.hash))  # type: ignore[union-attr]

    def _run(self, sql: str, skip: int = 0) -> None:
        """Several statements in one round trip; the cursor on the result of the one after the
        first ``skip``."""
        cursor = self.cursor()
        try:
            cursor.execute(sql)
        except self.recorder.stale_errors as exc:
            raise StaleHead() from exc
        except self.recorder.integrity_errors as exc:
            raise self.conflict_or(exc) from exc
        for _ in range(skip):
            cursor.nextset()

    def _read_locked(self, sql: str, locked_sql: str, params: tuple) -> list[tuple]:
        """Rows of a query that must see everything appended before the lock was granted: the
        transaction begins and the lock is taken by the same round trip."""
        if self._locked or self._assumed or self._pending:
            return self.rows(sql, params)
        cursor = self.cursor()
        cursor.execute(self._literal("BEGIN; " + locked_sql, (APPEND_LOCK_KEY, *params)))
        cursor.nextset()
        self._locked = True
        return cursor.fetchall()

    def flush(self):
        return self._send(None)

    # -- the session ------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        if self._locked and not (after_writes and self._pending):
            cursor = self.cursor()
            cursor.execute(sql, params)
        else:
            cursor = self._send(self._literal(sql, params), after_writes)
        return cursor.fetchall()

    def head(self) -> Head:
        rows = self.rows(self.sql.head, ())
        return head_of(rows[0] if rows else None)

    def stream(self, stream_id: str, since: int,
               with_head: bool) -> tuple[list[Sequence[Any]], Head | None]:
        if with_head:
            return split_stream_and_head(self._read_locked(
                self.sql.stream_since_and_head, self.recorder.locked_stream_since_and_head,
                (stream_id, since)))
        return self.rows(self.sql.stream_since, (stream_id, since)), None

    def version(self, stream_id: str, with_head: bool) -> tuple[int, Head | None]:
        if not with_head:
            [(version,)] = self.rows(self.sql.stream_version, (stream_id,))
            return version or 0, None
        if self._locked or self._assumed or self._pending:
            rows = self.rows(self.sql.version_and_head, (stream_id,))
            return (rows[0][0] or 0, head_of(rows[0][1:])) if rows else (0, GENESIS)
        # duban_locked_head answers the version and the head's position, hash and instant
        rows = self._read_locked("", self.recorder.locked_version_and_head, (stream_id,))
        if not rows:
            return 0, GENESIS
        version, position, hash_, recorded_at = rows[0]
        return version or 0, Head(position, hash_, recorded_at)

    def insert_many(self, table: Table, columns: list[str], values: list[tuple],
                    chunk: int = 20000) -> None:
        cursor = self.flush()
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for v in values:
                copy.write_row(v)

    def confirm(self) -> None:
        """StaleHead if this session decided from an assumed head that is no longer the head.
        The lock is taken and let go at once."""
        if self._assumed:
            self._run(self._head_check())
            self._assumed = False

    def commit(self) -> None:
        try:
            if self._pending:
                self._send("COMMIT")
            else:
                self.confirm()  # nothing written, yet something was decided
            # after a COMMIT sent above this only brings the Connection, if any, up to date
            self.end_transaction(commit=True)
            self._committed = True
        except BaseException:
            self.rollback(confirm=False)
            raise

    def rollback(self, confirm: bool) -> None:
        try:
            if confirm:
                self.confirm()
        finally:
            super().rollback(confirm)

    def close(self, head: Head | None) -> None:
        keep = True
        try:
            self.driver.autocommit = False  # as the pool lent it
        except Exception:
            self.conn.invalidate()  # in no state to be lent again
            keep = False
        from psycopg.pq import TransactionStatus

        idle = (not self.driver.closed
                and self.driver.info.transaction_status == TransactionStatus.IDLE)
        self.release(keep and idle, None)
