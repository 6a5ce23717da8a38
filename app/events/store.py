"""The event store: the only writer of events.

Appends are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
transaction-scoped advisory lock), so positions are assigned head + 1 and become
visible in order: a follower reading ``position > n`` never misses an event.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from ..db import placeholder
from .cache import Head, HeadCache, StreamCache
from .chain import GENESIS_HASH, decode_json
from .connections import kept_connection
from .model import Metadata, NewEvent, RecordedEvent, format_instant
from .registry import EventRegistry
from .tables import events
from .transaction import APPEND_LOCK_KEY, ConcurrencyConflict, FullHead, StaleHead, Transaction

__all__ = ["APPEND_LOCK_KEY", "ConcurrencyConflict", "EventStore", "StaleHead", "Transaction",
           "utc_now"]

Projector = Callable[[Transaction, Sequence[RecordedEvent]], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


_COLUMNS = (
    events.c.position, events.c.stream_id, events.c.stream_type, events.c.version, events.c.type,
    events.c.schema_version, events.c.data, events.c.meta, events.c.business_date,
    events.c.recorded_at, events.c.prev_hash, events.c.hash,
)


_CHAIN_COLUMNS = ("meta", "prev_hash", "hash")


class _DriverSQL:
    """The statements of the two hot paths, in the driver's own parameter style.

    Appending one event and reading many are what the store does most; running them on the
    DB-API cursor of the SQLAlchemy connection (same connection, same transaction) skips
    SQLAlchemy's per-statement and per-row work, which costs more than the database does.
    """

    def __init__(self, paramstyle: str) -> None:
        mark = placeholder(paramstyle)
        columns = ", ".join(c.name for c in _COLUMNS)
        self.lock = f"SELECT pg_advisory_xact_lock({mark})"
        self.read_after = (f"SELECT {columns} FROM events WHERE position > {mark} "
                           f"ORDER BY position LIMIT {mark}")
        self.read_after_until = (f"SELECT {columns} FROM events WHERE position > {mark} "
                                 f"AND position <= {mark} ORDER BY position LIMIT {mark}")
        # what a projection fold reads: the event without its metadata and chain
        folded = ", ".join(c.name for c in _COLUMNS if c.name not in _CHAIN_COLUMNS)
        self.fold_after = (f"SELECT {folded} FROM events WHERE position > {mark} "
                           f"ORDER BY position LIMIT {mark}")
        self.fold_after_until = (f"SELECT {folded} FROM events WHERE position > {mark} "
                                 f"AND position <= {mark} ORDER BY position LIMIT {mark}")
        # The head, and a stream's version on the way. No row at all means no event at all:
        # the stream's version is 0 then too.
        self.version_and_head = (
            f"SELECT (SELECT max(version) FROM events WHERE stream_id = {mark}), "
            f"position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        self.read_stream = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                            f"ORDER BY version")
        self.stream_version = f"SELECT max(version) FROM events WHERE stream_id = {mark}"
        self.stream_since = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                             f"AND version > {mark} ORDER BY version")
        self.command_result = (f"SELECT result, username, command, body_hash FROM command_results "
                               f"WHERE command_id = {mark}")
        self.remember_result = (f"INSERT INTO command_results (command_id, result, recorded_at, "
                                f"username, command, body_hash) "
                                f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})")
        self.read_stream_until = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                                  f"AND position <= {mark} ORDER BY version")
        # A command's first read inside the lock: its stream's events after a version (0: all),
        # and the head with them (part 1).
        self.stream_since_and_head = (
            f"SELECT 0 AS part, {columns} FROM events WHERE stream_id = {mark} AND version > {mark}"
            f" UNION ALL SELECT 1 AS part, {columns} FROM (SELECT {columns} FROM events "
            f"ORDER BY position DESC LIMIT 1) AS head ORDER BY part, version")
        # PostgreSQL: the same two reads with the lock taken first, in one statement (0004).
        self.locked_stream_since_and_head = "SELECT * FROM duban_locked_stream(%s, %s, %s)"
        self.locked_version_and_head = "SELECT * FROM duban_locked_head(%s, %s)"
        self.insert = (f"INSERT INTO events ({columns}) "
                       f"VALUES ({', '.join([mark] * len(_COLUMNS))})")


class EventStore:
    def __init__(self, engine: Engine, registry: EventRegistry, clock: Clock = utc_now,
                 projector: Projector | None = None) -> None:
        self.engine = engine
        self.registry = registry
        self.clock = clock
        self.projector = projector
        self._pg = engine.dialect.name == "postgresql"
        self._sql = _DriverSQL(engine.dialect.paramstyle)
        self._integrity_errors = (IntegrityError, engine.dialect.loaded_dbapi.IntegrityError)
        self._stale_errors: tuple[type[Exception], ...] = ()
        if self._pg:
            from psycopg.errors import SerializationFailure

            self._stale_errors = (SerializationFailure,)
        # What this process remembers between its transactions (see transaction.py): decoded
        # streams, their versions as of a head, and the head it left behind.
        self._streams = StreamCache()
        self.memory = HeadCache()
        self._known: FullHead | None = None
        self._known_lock = threading.Lock()
        # not for an in-memory database: its one connection is shared, and data_version, which
        # sees only other connections' commits, would miss those made through it elsewhere
        in_memory = engine.url.database in (None, "", ":memory:")
        self._kept = None if in_memory else kept_connection(engine)

    # -- writing ---------------------------------------------------------
    @contextmanager
    def transaction(self, assume_head: bool = False) -> Iterator[Transaction]:
        """One write transaction holding the append lock from its first statement.

        With ``assume_head`` (PostgreSQL) it starts from the head this process left behind, if it
        knows one, and may raise StaleHead: the caller then runs it again without.
        """
        pooled, mark = (self._kept.take(self.engine) if self._kept is not None
                        else (self.engine.raw_connection(), None))
        assumed = None
        if assume_head and self._pg:
            with self._known_lock:
                assumed = self._known
        tx = Transaction(self, pooled, assumed)
        try:
            if not self._pg:  # SQLite: the write lock before the first read
                tx.begin_immediate(mark)
            yield tx
        except BaseException as exc:
            try:
                if not isinstance(exc, StaleHead):
                    tx.confirm_answer()  # a refusal decided from an assumed head
            finally:
                tx.end(commit=False)
            raise
        tx.end(commit=True)

    def remember(self, start: Head | None, end: FullHead, versions: dict[str, int],
                 appended: dict[str, list[RecordedEvent]]) -> None:
        """After a commit: the streams it appended to, their versions, and the head it left."""
        for stream_id, evs in appended.items():
            self._streams.extend(stream_id, evs)
        if start is not None:
            self.memory.commit(start, end[:2], versions)
        with self._known_lock:
            if self._known is None or end[0] >= self._known[0]:
                self._known = end

    def forget_head(self) -> None:
        with self._known_lock:
            self._known = None

    def append(self, stream_id: str, stream_type: str, new_events: Sequence[NewEvent],
               expected_version: int | None, meta: Metadata) -> list[RecordedEvent]:
        try:
            with self.transaction(assume_head=True) as tx:
                return tx.append(stream_id, stream_type, new_events, expected_version, meta)
        except StaleHead:
            with self.transaction() as tx:
                return tx.append(stream_id, stream_type, new_events, expected_version, meta)

    # -- reading ---------------------------------------------------------
    def decode(self, row) -> RecordedEvent:
        data = self.registry.upcast(row[4], decode_json(row[6]), row[5])
        return RecordedEvent(row[0], row[1], row[2], row[3], row[4], row[5], data, row[7],
                             row[8], row[9], row[10], row[11])

    def _decode_folded(self, row) -> RecordedEvent:
        data = self.registry.upcast(row[4], decode_json(row[6]), row[5])
        return RecordedEvent(row[0], row[1], row[2], row[3], row[4], row[5], data, None, row[7],
                             row[8], None, None)

    def read_stream(self, stream_id: str, conn: Connection | None = None,
                    until_position: int | None = None) -> list[RecordedEvent]:
        # Every command loads its stream first: on the driver's cursor, as read_all.
        with self._conn(conn) as c:
            if not c.in_transaction():
                c.begin()
            cursor = c.connection.cursor()
            try:
                if until_position is None:
                    cursor.execute(self._sql.read_stream, (stream_id,))
                else:
                    cursor.execute(self._sql.read_stream_until, (stream_id, until_position))
                return [self.decode(r) for r in cursor.fetchall()]
            finally:
                cursor.close()

    def read_all(self, after: int = 0, limit: int | None = None, until_position: int | None = None,
                 conn: Connection | None = None, batch: int = 5000,
                 chain: bool = True) -> Iterator[RecordedEvent]:
        """Events with position > after in order, fetched in batches (on the driver's cursor).

        ``chain=False``: without metadata, previous hash and hash (None), which no projection
        reads; a rebuild then fetches a quarter less.
        """
        remaining = limit
        last = after
        if chain:
            sql = self._sql.read_after if until_position is None else self._sql.read_after_until
            decode = self.decode
        else:
            sql = self._sql.fold_after if until_position is None else self._sql.fold_after_until
            decode = self._decode_folded
        with self._conn(conn) as c:
            if not c.in_transaction():
                c.begin()  # as c.execute() would: SQLite then reads one snapshot throughout
            cursor = c.connection.cursor()
            try:
                while remaining is None or remaining > 0:
                    size = batch if remaining is None else min(batch, remaining)
                    cursor.execute(sql, (last, size) if until_position is None
                                   else (last, until_position, size))
                    rows = cursor.fetchall()
                    for r in rows:
                        yield decode(r)
                    if len(rows) < size:
                        return
                    last = rows[-1][0]
                    if remaining is not None:
                        remaining -= len(rows)
            finally:
                cursor.close()

    def position_at(self, instant: datetime, conn: Connection | None = None) -> int:
        """The last position recorded at or before an instant (0 if none)."""
        q = select(func.max(events.c.position)).where(events.c.recorded_at <= format_instant(instant))
        with self._conn(conn) as c:
            return c.execute(q).scalar() or 0

    def head(self, conn: Connection | None = None) -> tuple[int, str]:
        with self._conn(conn) as c:
            row = c.execute(_HEAD).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as c:
                yield c


_HEAD = select(events.c.position, events.c.hash, events.c.recorded_at).order_by(
    events.c.position.desc()).limit(1)


