"""One write transaction of the event store, on the pooled DB-API connection itself.

A command's statements go straight to the driver; a SQLAlchemy Connection is wrapped around the
same connection only when someone asks for ``tx.conn``. Writes that need no answer (the events,
projection rows, command results) wait until the next read or the commit. On PostgreSQL the
connection runs in autocommit mode with an explicit BEGIN sent in front of the first read, and
the waiting writes go out in one string together with COMMIT: a command costs two round trips,
where statement by statement it cost eight.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sqlalchemy import Connection

from .cache import Head
from .chain import GENESIS_HASH, canonical_json, event_hash
from .model import Metadata, NewEvent, RecordedEvent, format_instant

if TYPE_CHECKING:
    from .store import EventStore

# Any constant will do; it only has to be the same in every process.
APPEND_LOCK_KEY = 0x6475_6261_6E


class ConcurrencyConflict(Exception):
    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class Transaction:
    """What a command handler may do inside one write transaction."""

    def __init__(self, store: EventStore, pooled) -> None:
        self.store = store
        self._sql = store._sql
        self._pg = store._pg
        self._pooled = pooled  # the pool's proxy of the DB-API connection
        self.driver = pooled.driver_connection
        self._sa: Connection | None = None
        self._cursor = None
        self._pending: list[tuple[str, Sequence[Any]]] = []
        self._after_commit: list[Callable[[], None]] = []
        # SQLite took its write lock with BEGIN IMMEDIATE; PostgreSQL takes the advisory lock
        # with the transaction's first statement (see _read_locked).
        self._locked = not self._pg
        self._head: tuple[int, str, str] | None = None
        self.start_head: Head | None = None  # the head found under the lock
        self._versions: dict[str, int] = {}
        self._last_stream: str | None = None
        self.writes = 0  # writes handed out so far, counting every use of conn as one
        self.local: dict[str, Any] = {}  # per-transaction helpers, e.g. the projections' rows
        if self._pg:
            self.driver.autocommit = True

    @property
    def head(self) -> Head | None:
        return None if self._head is None else self._head[:2]

    @property
    def conn(self) -> Connection:
        """A SQLAlchemy Connection in this transaction, with the lock held and every waiting write
        sent."""
        self._flush()
        self.writes += 1  # whoever holds the Connection may write through it
        if self._sa is None:
            self._sa = Connection(self.store.engine, connection=self._pooled)
            self._sa.begin()  # joins the transaction already open on the driver
        return self._sa

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    # -- statements ------------------------------------------------------
    def write(self, sql: str, params: Sequence[Any]) -> None:
        """A write that needs no answer: sent with the next read or with the commit."""
        self._pending.append((sql, params))
        self.writes += 1

    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        """A read under the lock; after the waiting writes unless the caller knows that none of
        them can change its answer."""
        cursor = self._flush() if after_writes or not self._locked else self._raw_cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()

    def _raw_cursor(self):
        if self._cursor is None:
            self._cursor = self.driver.cursor()
        return self._cursor

    def _read_locked(self, sql: str, locked_sql: str, params: tuple) -> list[tuple]:
        """Rows of a query that must see everything appended before the lock was granted;
        on PostgreSQL the transaction begins and the lock is taken by the same round trip."""
        cursor = self._raw_cursor()
        if self._locked:
            cursor.execute(sql, params)
        else:
            cursor.execute(self._literal("BEGIN; " + locked_sql, (APPEND_LOCK_KEY, *params)))
            cursor.nextset()
            self._locked = True
        return cursor.fetchall()

    def _flush(self):
        """Take the lock if not held and send the waiting writes; the cursor, ready for a read."""
        cursor = self._raw_cursor()
        if not self._locked:
            self._read_locked(self._sql.lock, self._sql.lock, ())
        if self._pending:
            try:
                if self._pg:
                    cursor.execute(self._joined())
                else:
                    for sql, params in self._pending:
                        cursor.execute(sql, params)
            except self.store._integrity_errors as exc:
                raise self._conflict_or(exc) from exc
            self._pending.clear()
        return cursor

    def _literal(self, sql: str, params: Sequence[Any]) -> str:
        """The statement with its values written in, so that several go in one string."""
        fast = _literals(params) if self._plain_strings() else None
        if fast is not None:
            return sql % fast
        mogrify = self.local.get("_mogrify")
        if mogrify is None:
            from psycopg import ClientCursor

            mogrify = self.local["_mogrify"] = ClientCursor(self.driver).mogrify
        return mogrify(sql, params)

    def _plain_strings(self) -> bool:
        # with standard_conforming_strings a backslash in '...' is an ordinary character
        return self.driver.info.parameter_status("standard_conforming_strings") == b"on"

    def _joined(self) -> str:
        return "; ".join(self._literal(sql, params) for sql, params in self._pending)

    # -- ending ----------------------------------------------------------
    def end(self, commit: bool) -> None:
        """Commit or roll back, and give the connection back to the pool."""
        try:
            if commit:
                self._commit()
            else:
                self._rollback()
        finally:
            self._release()
        if commit:
            for fn in self._after_commit:
                fn()

    def _commit(self) -> None:
        try:
            if self._pending and self._pg and self._locked:
                try:
                    self._raw_cursor().execute(self._joined() + "; COMMIT")
                except self.store._integrity_errors as exc:
                    raise self._conflict_or(exc) from exc
                self._pending.clear()
            elif self._pending:
                self._flush()
            # after the COMMIT above this only brings the Connection, if any, up to date
            (self._sa or self.driver).commit()
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        self._pending.clear()
        (self._sa or self.driver).rollback()

    def _release(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if self._pg:
            try:
                self.driver.autocommit = False  # as the pool lent it
            except Exception:
                self._pooled.invalidate()  # in no state to be lent again
        # the Connection, once made, is the one that returns it to the pool
        (self._sa or self._pooled).close()

    # -- events ----------------------------------------------------------
    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        if self._head is not None:
            evs = [self.store.decode(r) for r in self.rows(self._sql.read_stream, (stream_id,))]
        else:  # the first read of the transaction brings the head along: one round trip less
            known = self.store._streams.get(stream_id)
            rows = self._read_locked(self._sql.stream_since_and_head,
                                     self._sql.locked_stream_since_and_head,
                                     (stream_id, known[-1].version if known else 0))
            head = rows.pop() if rows and rows[-1][0] == 1 else None
            self._set_head((head[1], head[12], head[10]) if head else None)
            evs = known + [self.store.decode(r[1:]) for r in rows]
            # Nothing is appended yet in this transaction, so these are committed events.
            self.store._streams.put(stream_id, evs)
        self._versions[stream_id] = evs[-1].version if evs else 0
        return evs

    def stream_version(self, stream_id: str) -> int:
        if stream_id not in self._versions:
            [(v,)] = self.rows(self._sql.stream_version, (stream_id,))
            self._versions[stream_id] = v or 0
        return self._versions[stream_id]

    def append(self, stream_id: str, stream_type: str, new_events: Sequence[NewEvent],
               expected_version: int | None, meta: Metadata) -> list[RecordedEvent]:
        if not new_events:
            return []
        if self._head is None:
            self._load_head(stream_id)
        current = self.stream_version(stream_id)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(stream_id, expected_version, current)
        position, prev_hash, last_at = self._head
        now = format_instant(self.store.clock())
        recorded_at = max(now, last_at)  # instants never go back along the chain
        meta_text = canonical_json(meta.as_dict())
        recorded = []
        version = current
        for ev in new_events:
            schema_version = self.store.registry.validate(ev.type, ev.data)
            position += 1
            version += 1
            data_text = canonical_json(ev.data)
            day = ev.business_date.isoformat() if ev.business_date else None
            h = event_hash(position, stream_id, stream_type, version, ev.type, schema_version,
                           data_text, meta_text, day, recorded_at, prev_hash)
            self.write(self._sql.insert, (position, stream_id, stream_type, version, ev.type,
                                          schema_version, data_text, meta_text, day, recorded_at,
                                          prev_hash, h))  # in _COLUMNS' order
            recorded.append(RecordedEvent(position, stream_id, stream_type, version, ev.type,
                                          schema_version, json.loads(data_text), meta_text, day,
                                          recorded_at, prev_hash, h))
            prev_hash = h
        self._head = (position, prev_hash, recorded_at)
        self._versions[stream_id] = version
        self._last_stream = stream_id
        if self.store.projector is not None:
            self.store.projector(self, recorded)
        return recorded

    def _load_head(self, stream_id: str) -> None:
        """The head, and the stream's version with it: one statement for both."""
        rows = self._read_locked(self._sql.version_and_head, self._sql.locked_version_and_head,
                                 (stream_id,))
        row = rows[0] if rows else None
        self._versions.setdefault(stream_id, (row[0] or 0) if row else 0)
        self._set_head((row[1], row[2], row[3]) if row else None)

    def _set_head(self, head: tuple[int, str, str] | None) -> None:
        self._head = head or (0, GENESIS_HASH, "")
        self.start_head = self._head[:2]

    def _conflict_or(self, exc: Exception) -> Exception:
        """A unique key of the events table broken at write time: a writer that bypassed the
        lock. Anything else is not a conflict."""
        diag = getattr(exc, "diag", None)
        table = getattr(diag, "table_name", None) if diag is not None else None
        if table == "events" or (table is None and "events." in str(exc)):
            return ConcurrencyConflict(self._last_stream or "", -1, -1)
        return exc

    # -- idempotency -----------------------------------------------------
    def command_result(self, command_id: str) -> dict | None:
        rows = self.rows(self._sql.command_result, (command_id,))
        return json.loads(rows[0][0]) if rows else None

    def remember_result(self, command_id: str, result: dict) -> None:
        self.write(self._sql.remember_result,
                   (command_id, canonical_json(result), format_instant(self.store.clock())))


def _literals(params: Sequence[Any]) -> tuple[str, ...] | None:
    """SQL literals of the values a command writes (text, whole and finite numbers, NULL); None
    when one is of another kind, for psycopg's own adaptation to write instead."""
    out = []
    for v in params:
        t = type(v)
        if t is str:
            out.append("'" + v.replace("'", "''") + "'")
        elif v is None:
            out.append("NULL")
        elif t is int:
            out.append(str(v))
        elif t is float and math.isfinite(v):
            out.append(repr(v))
        else:
            return None
    return tuple(out)
