"""The event store: the only writer of events.

Appends are serialised by the recorder's append lock (recorders/), so positions are assigned
head + 1 and become visible in order: a follower reading ``position > n`` never misses an event.
Which recorder, and whether the process remembers anything between transactions (cache.py),
follows the one switch (app/fast_paths.py) when the store is made.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine

from .. import fast_paths
from . import reads
from .cache import ProcessMemory
from .chain import decode_json
from .model import Metadata, NewEvent, RecordedEvent
from .recorders import Recorder, recorder_for
from .recorders.base import APPEND_LOCK_KEY, ConcurrencyConflict, StaleHead
from .registry import EventRegistry
from .tables import EVENT_COLUMNS, FOLD_COLUMNS
from .transaction import Transaction

__all__ = ["APPEND_LOCK_KEY", "ConcurrencyConflict", "EventStore", "StaleHead", "Transaction",
           "utc_now"]

Projector = Callable[[Transaction, Sequence[RecordedEvent]], None]
Clock = Callable[[], datetime]

# decode() unpacks a row by position: the names below must be the table's columns, in order
assert EVENT_COLUMNS == ("position", "stream_id", "stream_type", "version", "type",
                         "schema_version", "data", "meta", "business_date", "recorded_at",
                         "prev_hash", "hash")
assert FOLD_COLUMNS == ("position", "stream_id", "stream_type", "version", "type",
                        "schema_version", "data", "business_date", "recorded_at")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class EventStore:
    def __init__(self, engine: Engine, registry: EventRegistry, clock: Clock = utc_now,
                 projector: Projector | None = None, recorder: Recorder | None = None) -> None:
        self.engine = engine
        self.registry = registry
        self.clock = clock
        self.projector = projector
        self.recorder = recorder or recorder_for(engine, fast_paths.enabled())
        # What this process remembers between its transactions: only beside a recorder that
        # takes the fast paths, as its plain twin is to read everything from the database.
        self.memory: ProcessMemory | None = ProcessMemory() if self.recorder.fast else None

    # -- writing ---------------------------------------------------------
    @contextmanager
    def transaction(self, assume_head: bool = False) -> Iterator[Transaction]:
        """One write transaction holding the append lock from its first statement.

        With ``assume_head`` it may start from the head this process left behind (a recorder
        that can, PostgreSQL's), and may raise StaleHead: the caller then runs it again without.
        """
        memory = self.memory
        assumed = (memory.known_head()
                   if assume_head and memory is not None and self.recorder.assumes_head else None)
        tx = Transaction(self, self.recorder.begin(assumed), memory)
        try:
            try:
                yield tx
            except BaseException as exc:
                tx.end(commit=False, confirm=not isinstance(exc, StaleHead))
                raise
            tx.end(commit=True)
        except StaleHead:
            if memory is not None:
                memory.forget_head()
            raise

    def _append(self, stream_id: str, stream_type: str, new_events: Sequence[NewEvent],
                expected_version: int | None, meta: Metadata) -> list[RecordedEvent]:
        """One stream's events in a transaction of their own: for the events package and its
        tests. Everything else writes through the command bus (store.transaction())."""
        try:
            with self.transaction(assume_head=True) as tx:
                return tx.append(stream_id, stream_type, new_events, expected_version, meta)
        except StaleHead:
            with self.transaction() as tx:
                return tx.append(stream_id, stream_type, new_events, expected_version, meta)

    # -- reading ---------------------------------------------------------
    def decode(self, row) -> RecordedEvent:
        (position, stream_id, stream_type, version, type_, schema_version, data, meta, day, at,
         prev_hash, hash_) = row
        return RecordedEvent(position, stream_id, stream_type, version, type_, schema_version,
                             self.registry.upcast(type_, decode_json(data), schema_version),
                             meta, day, at, prev_hash, hash_)

    def _decode_folded(self, row) -> RecordedEvent:
        position, stream_id, stream_type, version, type_, schema_version, data, day, at = row
        return RecordedEvent(position, stream_id, stream_type, version, type_, schema_version,
                             self.registry.upcast(type_, decode_json(data), schema_version),
                             None, day, at, None, None)

    def read_stream(self, stream_id: str, conn: Connection | None = None,
                    until_position: int | None = None) -> list[RecordedEvent]:
        with self._conn(conn) as c:
            return [self.decode(r) for r in self.recorder.read_stream(c, stream_id,
                                                                       until_position)]

    def read_all(self, after: int = 0, limit: int | None = None, until_position: int | None = None,
                 conn: Connection | None = None, batch: int = 5000,
                 chain: bool = True) -> Iterator[RecordedEvent]:
        """Events with position > after in order, fetched in batches.

        ``chain=False``: without metadata, previous hash and hash (None), which no projection
        reads; a rebuild then fetches a quarter less.
        """
        decode = self.decode if chain else self._decode_folded
        with self._conn(conn) as c:
            for rows in self.recorder.read_all(c, after, until_position, limit, batch, chain):
                yield from map(decode, rows)

    def position_at(self, instant: datetime, conn: Connection | None = None) -> int:
        """The last position recorded at or before an instant (0 if none)."""
        with self._conn(conn) as c:
            return reads.last_recorded_by(c, instant)

    def head(self, conn: Connection | None = None) -> tuple[int, str]:
        """The last event's position and hash (0 and the genesis hash before any)."""
        with self._conn(conn) as c:
            head = self.recorder.head(c)
        return head.position, head.hash

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as c:
                yield c
