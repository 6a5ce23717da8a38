"""One write transaction of the event store: what a command handler, the bus and the projections
may do inside it.

It knows no database: it talks to a session of the store's recorder (recorders/), which holds
the append lock. From the process's memory (cache.py, when the fast paths are on) it takes the
streams and versions that hold at the head the session found, so that a command reads less.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sqlalchemy import Connection, Executable, Table

from .cache import ProcessMemory
from .chain import canonical_json, decode_json, event_hash
from .model import Metadata, NewEvent, RecordedEvent, format_instant
from .recorders.base import APPEND_LOCK_KEY, ConcurrencyConflict, Head, Session, StaleHead
from .tables import EventRow

if TYPE_CHECKING:
    from .store import EventStore

__all__ = ["APPEND_LOCK_KEY", "Claim", "ConcurrencyConflict", "StaleHead", "Transaction"]

# Who a command id belongs to: the user, the command's name, the hash of its canonical body.
Claim = tuple[str | None, str | None, str | None]

_COMMAND_RESULT = ("SELECT result, username, command, body_hash FROM command_results "
                   "WHERE command_id = {m}")
_REMEMBER_RESULT = ("INSERT INTO command_results (command_id, result, recorded_at, username, "
                    "command, body_hash) VALUES ({m}, {m}, {m}, {m}, {m}, {m})")


@lru_cache(maxsize=None)
def _result_sql(mark: str) -> tuple[str, str]:
    return _COMMAND_RESULT.format(m=mark), _REMEMBER_RESULT.format(m=mark)


class Transaction:
    """What a command handler may do inside one write transaction."""

    def __init__(self, store: EventStore, session: Session, memory: ProcessMemory | None) -> None:
        self.store = store
        self._session = session
        self._memory = memory
        self._after_commit: list[Callable[[], None]] = []
        self._head: Head | None = None
        self.start_head: Head | None = None  # the head found under the lock, or assumed
        self._trusted = False  # what the process remembers holds at start_head
        self._versions: dict[str, int] = {}
        self._appended: dict[str, list[RecordedEvent]] = {}
        self.writes = 0  # writes handed out so far, counting every use of conn as one
        self.local: dict[str, Any] = {}  # per-transaction helpers, e.g. the projections' rows
        self._command_result, self._remember_result = _result_sql(session.mark)
        if session.known_head is not None:
            self._set_head(session.known_head)

    @property
    def head(self) -> Head | None:
        return self._head

    def current_head(self) -> Head:
        """The head under the lock, with this transaction's own appends."""
        if self._head is None:
            self._set_head(self._session.head())
        return self._head  # type: ignore[return-value]

    @property
    def mark(self) -> str:
        """The driver's parameter mark, for ``rows`` and ``write``."""
        return self._session.mark

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    # -- statements ------------------------------------------------------
    def write(self, sql: str, params: Sequence[Any]) -> None:
        """A write in the driver's SQL that needs no answer (sent with the next read or with the
        commit, where the recorder lets writes wait)."""
        self._session.write(sql, params)
        self.writes += 1

    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        """A read in the driver's SQL under the lock; after the waiting writes unless the caller
        knows that none of them can change its answer."""
        return self._session.rows(sql, params, after_writes)

    def query(self, statement: Executable) -> list:
        """The rows of a SQLAlchemy select in this transaction: under the lock, after every
        write handed out so far."""
        return self._session.connection().execute(statement).all()

    def execute(self, statement: Executable, params: Any = None) -> None:
        """A SQLAlchemy statement that writes (or creates), in this transaction."""
        self._session.connection().execute(statement, params)
        self.writes += 1

    def insert_many(self, table: Table, columns: list[str], values: list[tuple]) -> None:
        """Many rows of one table at once, in the recorder's quickest way (a rebuild)."""
        self._session.insert_many(table, columns, values)
        self.writes += 1

    def read_all(self, after: int = 0, chain: bool = True, batch: int = 5000):
        """Every event after a position as this transaction sees it (its own appends too)."""
        return self.store.read_all(after=after, conn=self._session.connection(), batch=batch,
                                   chain=chain)

    @property
    def conn(self) -> Connection:
        """A SQLAlchemy Connection in this transaction, with the lock held and every waiting write
        sent. Prefer ``query`` and ``execute``."""
        self.writes += 1  # whoever holds the Connection may write through it
        return self._session.connection()

    # -- ending ----------------------------------------------------------
    def end(self, commit: bool, confirm: bool = True) -> None:
        """Commit or roll back, and give the connection back. ``confirm``: a rollback is an
        answer too (a refusal), checked against an assumed head unless already found stale."""
        session = self._session
        try:
            if commit:
                session.commit()
            else:
                session.rollback(confirm)
        finally:
            session.close(self._head if commit else None)
        if commit:
            if self._memory is not None and self._head is not None:
                self._memory.remember(self.start_head, self._head, self._versions,
                                      self._appended)
            for fn in self._after_commit:
                fn()

    # -- events ----------------------------------------------------------
    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        memory = self._memory
        evs = self._remembered_stream(stream_id)
        if evs is None:
            known = memory.streams.get(stream_id) if memory is not None else []
            since = known[-1].version if known else 0
            rows, head = self._session.stream(stream_id, since, with_head=self._head is None)
            if head is not None:
                self._set_head(head)
            decode = self.store.decode
            evs = known + [decode(r) for r in rows]
        if memory is not None and stream_id not in self._appended:  # committed events only
            memory.streams.put(stream_id, evs)
        self._versions[stream_id] = evs[-1].version if evs else 0
        return evs

    def _remembered_stream(self, stream_id: str) -> list[RecordedEvent] | None:
        """The stream as the process remembers it, if that holds at this transaction's start."""
        if not self._trusted:
            return None
        memory = self._memory
        version = memory.versions.get(stream_id)  # type: ignore[union-attr]
        if version is None:
            return None
        evs = memory.streams.get(stream_id)  # type: ignore[union-attr]
        if (evs[-1].version if evs else 0) != version:
            return None
        return evs + self._appended.get(stream_id, [])  # and what this transaction added

    def new_stream(self, stream_id: str) -> None:
        """A stream whose id was just issued from a counter under the lock: it has no events yet,
        and asking would cost a round trip on PostgreSQL (were it wrong, the events' unique key
        would refuse the append as a conflict)."""
        self._versions.setdefault(stream_id, 0)

    def stream_version(self, stream_id: str) -> int:
        if stream_id not in self._versions:
            remembered = self._memory.versions.get(stream_id) if self._trusted else None  # type: ignore[union-attr]
            if remembered is None:
                remembered, head = self._session.version(stream_id, with_head=self._head is None)
                if head is not None:
                    self._set_head(head)
            self._versions[stream_id] = remembered or 0
        return self._versions[stream_id]

    def append(self, stream_id: str, stream_type: str, new_events: Sequence[NewEvent],
               expected_version: int | None, meta: Metadata) -> list[RecordedEvent]:
        if not new_events:
            return []
        current = self.stream_version(stream_id)
        if self._head is None:  # the version was remembered or read before: the head was not
            _, head = self._session.version(stream_id, with_head=True)
            self._set_head(head)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(stream_id, expected_version, current)
        position, prev_hash, last_at = self._head  # type: ignore[misc]
        now = format_instant(self.store.clock())
        recorded_at = max(now, last_at)  # instants never go back along the chain
        meta_text = meta.text
        registry, insert = self.store.registry, self._session.insert
        recorded = []
        version = current
        for ev in new_events:
            schema_version = registry.validate(ev.type, ev.data)
            position += 1
            version += 1
            data_text = canonical_json(ev.data)
            day = ev.business_date.isoformat() if ev.business_date else None
            h = event_hash(position, stream_id, stream_type, version, ev.type, schema_version,
                           data_text, meta_text, day, recorded_at, prev_hash)
            insert(EventRow(position, stream_id, stream_type, version, ev.type, schema_version,
                            data_text, meta_text, day, recorded_at, prev_hash, h))
            self.writes += 1
            recorded.append(RecordedEvent(position, stream_id, stream_type, version, ev.type,
                                          schema_version, decode_json(data_text), meta_text, day,
                                          recorded_at, prev_hash, h))
            prev_hash = h
        self._head = Head(position, prev_hash, recorded_at)
        self._versions[stream_id] = version
        self._appended.setdefault(stream_id, []).extend(recorded)
        if self.store.projector is not None:
            self.store.projector(self, recorded)
        return recorded

    def _set_head(self, head: Head) -> None:
        self._head = self.start_head = head
        memory = self._memory
        self._trusted = memory is not None and memory.versions.begin(head)

    # -- idempotency -----------------------------------------------------
    def command_result(self, command_id: str) -> tuple[dict, Claim] | None:
        """The answer a command id got, and who claimed it (user, command, body hash; None where
        not recorded)."""
        rows = self._session.rows(self._command_result, (command_id,))
        if not rows:
            return None
        text, username, command, body_hash = rows[0]
        return decode_json(text), (username, command, body_hash)

    def remember_result(self, command_id: str, result: dict, claim: Claim) -> None:
        self.write(self._remember_result,
                   (command_id, canonical_json(result), format_instant(self.store.clock()), *claim))
