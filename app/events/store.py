"""The event store: the only writer of events.

Appends are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
transaction-scoped advisory lock), so positions are assigned head + 1 and become
visible in order: a follower reading ``position > n`` never misses an event.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from .chain import GENESIS_HASH, canonical_json, event_hash
from .model import Metadata, NewEvent, RecordedEvent, format_instant
from .registry import EventRegistry
from .tables import command_results, events

# Any constant will do; it only has to be the same in every process.
APPEND_LOCK_KEY = 0x6475_6261_6E

Projector = Callable[[Connection, Sequence[RecordedEvent]], None]
Clock = Callable[[], datetime]


class ConcurrencyConflict(Exception):
    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


_COLUMNS = (
    events.c.position, events.c.stream_id, events.c.stream_type, events.c.version, events.c.type,
    events.c.schema_version, events.c.data, events.c.meta, events.c.business_date,
    events.c.recorded_at, events.c.prev_hash, events.c.hash,
)


class _DriverSQL:
    """The statements of the two hot paths, in the driver's own parameter style.

    Appending one event and reading many are what the store does most; running them on the
    DB-API cursor of the SQLAlchemy connection (same connection, same transaction) skips
    SQLAlchemy's per-statement and per-row work, which costs more than the database does.
    """

    def __init__(self, paramstyle: str) -> None:
        mark = "%s" if paramstyle in ("format", "pyformat") else "?"
        columns = ", ".join(c.name for c in _COLUMNS)
        self.lock = f"SELECT pg_advisory_xact_lock({mark})"
        self.read_after = (f"SELECT {columns} FROM events WHERE position > {mark} "
                           f"ORDER BY position LIMIT {mark}")
        self.read_after_until = (f"SELECT {columns} FROM events WHERE position > {mark} "
                                 f"AND position <= {mark} ORDER BY position LIMIT {mark}")
        # The head, and a stream's version on the way. No row at all means no event at all:
        # the stream's version is 0 then too.
        self.version_and_head = (
            f"SELECT (SELECT max(version) FROM events WHERE stream_id = {mark}), "
            f"position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        self.read_stream = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                            f"ORDER BY version")
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
        self._streams = StreamCache()
        self._integrity_errors = (IntegrityError, engine.dialect.loaded_dbapi.IntegrityError)

    # -- writing ---------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["Transaction"]:
        """One write transaction holding the append lock from its first statement."""
        with self.engine.connect() as conn:
            conn.execution_options(duban_write=True)
            with conn.begin():
                tx = Transaction(self, conn)
                try:
                    yield tx
                finally:
                    tx.close()

    def append(self, stream_id: str, stream_type: str, new_events: Sequence[NewEvent],
               expected_version: int | None, meta: Metadata) -> list[RecordedEvent]:
        with self.transaction() as tx:
            return tx.append(stream_id, stream_type, new_events, expected_version, meta)

    # -- reading ---------------------------------------------------------
    def decode(self, row) -> RecordedEvent:
        data = self.registry.upcast(row[4], json.loads(row[6]), row[5])
        return RecordedEvent(row[0], row[1], row[2], row[3], row[4], row[5], data, row[7],
                             row[8], row[9], row[10], row[11])

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
                 conn: Connection | None = None, batch: int = 5000) -> Iterator[RecordedEvent]:
        """Events with position > after in order, fetched in batches (on the driver's cursor)."""
        remaining = limit
        last = after
        sql = self._sql.read_after if until_position is None else self._sql.read_after_until
        decode = self.decode
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
_STREAM_VERSION = select(func.max(events.c.version)).where(
    events.c.stream_id == bindparam("stream_id"))


class StreamCache:
    """Decoded events of recently loaded streams.

    Events never change, so a cached stream is still true; under the append lock a command reads
    only the events appended since (version > the last cached one) instead of the whole stream.
    """

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._streams: OrderedDict[str, list[RecordedEvent]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, stream_id: str) -> list[RecordedEvent]:
        with self._lock:
            evs = self._streams.get(stream_id)
            if evs is None:
                return []
            self._streams.move_to_end(stream_id)
            return list(evs)

    def put(self, stream_id: str, evs: list[RecordedEvent]) -> None:
        if not evs:
            return
        with self._lock:
            self._streams[stream_id] = evs
            self._streams.move_to_end(stream_id)
            while len(self._streams) > self.size:
                self._streams.popitem(last=False)


class Transaction:
    """What a command handler may do inside one write transaction."""

    def __init__(self, store: EventStore, conn: Connection) -> None:
        self.store = store
        self._conn = conn
        # SQLite took its write lock with BEGIN IMMEDIATE; PostgreSQL takes the advisory lock
        # before the transaction's first statement (see conn and read_stream).
        self._locked = not store._pg
        self._head: tuple[int, str, str] | None = None
        self._versions: dict[str, int] = {}
        self._cursor = None  # the driver's cursor for the append's own statements

    @property
    def conn(self) -> Connection:
        """The transaction's connection; nothing reads through it before the lock is held."""
        self._take_lock()
        return self._conn

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def _raw_cursor(self):
        if self._cursor is None:
            self._cursor = self._conn.connection.cursor()
        return self._cursor

    def _take_lock(self) -> None:
        if not self._locked:
            self._raw_cursor().execute(self.store._sql.lock, (APPEND_LOCK_KEY,))
            self._locked = True

    def _driver_cursor(self):
        self._take_lock()
        return self._raw_cursor()

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        if self._head is not None:
            evs = self.store.read_stream(stream_id, self.conn)
        else:  # the first read of the transaction brings the head along: one round trip less
            known = self.store._streams.get(stream_id)
            rows = self._read_locked(self.store._sql.stream_since_and_head,
                                     self.store._sql.locked_stream_since_and_head,
                                     (stream_id, known[-1].version if known else 0))
            head = rows.pop() if rows and rows[-1][0] == 1 else None
            self._head = (head[1], head[12], head[10]) if head else (0, GENESIS_HASH, "")
            evs = known + [self.store.decode(r[1:]) for r in rows]
            # Nothing is appended yet in this transaction, so these are committed events.
            self.store._streams.put(stream_id, evs)
        self._versions[stream_id] = evs[-1].version if evs else 0
        return evs

    def stream_version(self, stream_id: str) -> int:
        if stream_id not in self._versions:
            v = self.conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar()
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
        rows, recorded = [], []
        version = current
        for ev in new_events:
            schema_version = self.store.registry.validate(ev.type, ev.data)
            position += 1
            version += 1
            data_text = canonical_json(ev.data)
            day = ev.business_date.isoformat() if ev.business_date else None
            h = event_hash(position, stream_id, stream_type, version, ev.type, schema_version,
                           data_text, meta_text, day, recorded_at, prev_hash)
            rows.append((position, stream_id, stream_type, version, ev.type, schema_version,
                         data_text, meta_text, day, recorded_at, prev_hash, h))  # _COLUMNS' order
            recorded.append(RecordedEvent(position, stream_id, stream_type, version, ev.type,
                                          schema_version, json.loads(data_text), meta_text, day,
                                          recorded_at, prev_hash, h))
            prev_hash = h
        try:
            cursor = self._driver_cursor()
            if len(rows) == 1:
                cursor.execute(self.store._sql.insert, rows[0])
            else:
                cursor.executemany(self.store._sql.insert, rows)
        except self.store._integrity_errors as exc:  # a writer that bypassed the lock
            raise ConcurrencyConflict(stream_id, current, -1) from exc
        self._head = (position, prev_hash, recorded_at)
        self._versions[stream_id] = version
        if self.store.projector is not None:
            self.store.projector(self.conn, recorded)
        return recorded

    def _read_locked(self, sql: str, locked_sql: str, params: tuple) -> list[tuple]:
        """Rows of a query that must see everything appended before the lock was granted;
        on PostgreSQL the lock is taken by the same statement when not held yet."""
        cursor = self._raw_cursor()
        if self._locked:
            cursor.execute(sql, params)
        else:
            cursor.execute(locked_sql, (APPEND_LOCK_KEY, *params))
            self._locked = True
        return cursor.fetchall()

    def _load_head(self, stream_id: str) -> None:
        """The head, and the stream's version with it: one statement for both."""
        rows = self._read_locked(self.store._sql.version_and_head,
                                 self.store._sql.locked_version_and_head, (stream_id,))
        row = rows[0] if rows else None
        self._versions.setdefault(stream_id, (row[0] or 0) if row else 0)
        self._head = (row[1], row[2], row[3]) if row else (0, GENESIS_HASH, "")

    # -- idempotency -----------------------------------------------------
    def command_result(self, command_id: str) -> dict | None:
        row = self.conn.execute(
            select(command_results.c.result).where(command_results.c.command_id == command_id)
        ).first()
        return json.loads(row[0]) if row else None

    def remember_result(self, command_id: str, result: dict) -> None:
        self.conn.execute(command_results.insert().values(
            command_id=command_id, result=canonical_json(result),
            recorded_at=format_instant(self.store.clock())))
