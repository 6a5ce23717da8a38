"""One write transaction of the event store, on the pooled DB-API connection itself.

A command's statements go straight to the driver; a SQLAlchemy Connection is wrapped around the
same connection only when someone asks for ``tx.conn``. Writes that need no answer (the events,
projection rows, command results) wait until the next read or the commit. On PostgreSQL the
connection runs in autocommit mode with an explicit BEGIN sent in front of the first read, and
the waiting writes go out in one string together with COMMIT.

On PostgreSQL a transaction may also start from an assumed head: the head this process left
behind. It then decides from what the process remembers (streams, versions, projection rows),
and its first statement, a read or the commit, carries a check that the head is still that one
(``duban_expect_head``, migration 0005): a note on a problem costs one round trip. If another
process appended meanwhile, the check fails, nothing is kept, and StaleHead tells the caller to
decide again from the database. Whatever the transaction answers other than by committing (a
refusal, a conflict) is checked against the head the same way before it is believed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from sqlalchemy import Connection

from .cache import Head
from .chain import GENESIS_HASH, canonical_json, decode_json, event_hash
from .literals import Literals
from .model import Metadata, NewEvent, RecordedEvent, format_instant

if TYPE_CHECKING:
    from .connections import Mark
    from .store import EventStore

# Any constant will do; it only has to be the same in every process.
APPEND_LOCK_KEY = 0x6475_6261_6E

FullHead = tuple[int, str, str]  # position, hash and recorded_at of the last event
# Who a command id belongs to: the user, the command's name, the hash of its canonical body.
Claim = tuple[str | None, str | None, str | None]


class ConcurrencyConflict(Exception):
    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StaleHead(Exception):
    """Another process appended since the head this transaction assumed: decide again."""


class Transaction:
    """What a command handler may do inside one write transaction."""

    def __init__(self, store: EventStore, pooled, assumed: FullHead | None = None) -> None:
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
        self._head: FullHead | None = None
        self.start_head: Head | None = None  # the head found under the lock, or assumed
        self._trusted = False  # what the process remembers holds at start_head
        self._assumed = False
        self._versions: dict[str, int] = {}
        self._appended: dict[str, list[RecordedEvent]] = {}
        self._data_version: int | None = None  # SQLite's, under the write lock
        self._committed = False
        self.writes = 0  # writes handed out so far, counting every use of conn as one
        self.local: dict[str, Any] = {}  # per-transaction helpers, e.g. the projections' rows
        if self._pg:
            self.driver.autocommit = True
            self._literal = Literals(self.driver)
        if assumed is not None:
            self._assumed = True
            self._set_head(assumed)

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
        if not self._pg:
            cursor = self._flush() if after_writes else self._raw_cursor()
            cursor.execute(sql, params)
        elif self._locked and not (after_writes and self._pending):
            cursor = self._raw_cursor()
            cursor.execute(sql, params)
        else:
            cursor = self._send(self._literal(sql, params), after_writes)
        return cursor.fetchall()

    def _send(self, last: str | None, after_writes: bool = True):
        """PostgreSQL, in one round trip: what must come first (BEGIN with the lock, or with the
        check of an assumed head), the waiting writes, and ``last``; the cursor on its result."""
        parts = []
        if not self._locked:
            if self._assumed:
                parts = ["BEGIN", self._head_check()]
            else:
                parts = ["BEGIN", self._literal(self._sql.lock, (APPEND_LOCK_KEY,))]
        sent = self._literal.statements(self._pending) if after_writes and self._pending else []
        parts += sent
        if last is not None:
            parts.append(last)
        if parts:
            self._run("; ".join(parts), skip=len(parts) - 1)
        self._locked, self._assumed = True, False
        if sent:
            self._pending = []
        return self._raw_cursor()

    def _head_check(self) -> str:
        position, hash_ = self.start_head  # type: ignore[misc]
        return self._literal("SELECT duban_expect_head(%s, %s, %s)",
                             (APPEND_LOCK_KEY, position, hash_))

    def _run(self, sql: str, skip: int = 0) -> None:
        """Several statements in one round trip; the cursor on the result of the one after the
        first ``skip``."""
        cursor = self._raw_cursor()
        try:
            cursor.execute(sql)
        except self.store._stale_errors as exc:
            self.store.forget_head()
            raise StaleHead() from exc
        except self.store._integrity_errors as exc:
            raise self._conflict_or(exc) from exc
        for _ in range(skip):
            cursor.nextset()

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
        if self._pg:
            return self._send(None)
        cursor = self._raw_cursor()  # SQLite: locked since BEGIN IMMEDIATE
        try:
            for sql, params in self._pending:
                cursor.execute(sql, params)
        except self.store._integrity_errors as exc:
            raise self._conflict_or(exc) from exc
        self._pending.clear()
        return cursor

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
            self._remember()
            for fn in self._after_commit:
                fn()

    def confirm_answer(self) -> None:
        """Before an answer other than a commit is given: StaleHead if it was decided from an
        assumed head that is no longer the head. The lock is taken and let go at once."""
        if self._assumed:
            self._run(self._head_check())
            self._assumed = False

    def begin_immediate(self, mark: Mark | None) -> None:
        """SQLite: the write lock before the first read. If no other connection committed since
        this connection's last transaction (data_version as that one saw it), the head is the
        one it left: nothing needs reading to know it."""
        self.driver.execute("BEGIN IMMEDIATE")
        [(self._data_version,)] = self._raw_cursor().execute("PRAGMA data_version").fetchall()
        if mark is not None and mark[0] == self._data_version:
            self._set_head(mark[1])

    def _commit(self) -> None:
        try:
            if self._pg and self._pending:
                self._send("COMMIT")
            elif self._pending:
                self._flush()
            else:
                self.confirm_answer()  # nothing written, yet something was decided
            # after a COMMIT sent above this only brings the Connection, if any, up to date
            (self._sa or self.driver).commit()
            self._committed = True
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
        keep = self._sa is None and self.store._kept is not None
        if self._pg:
            try:
                self.driver.autocommit = False  # as the pool lent it
            except Exception:
                self._pooled.invalidate()  # in no state to be lent again
                keep = False
        if self._sa is not None:  # the Connection, once made, returns it to the pool
            self._sa.close()
        elif keep and self._idle():  # kept for the next transaction, with what it knows
            committed = self._committed and self._head is not None and not self._pg
            self.store._kept.give(self.store.engine, self._pooled,  # type: ignore[union-attr]
                                  (self._data_version, self._head) if committed else None)
        else:
            self._pooled.close()

    def _idle(self) -> bool:
        """Out of any transaction, and open: fit for the next one."""
        if self._pg:
            from psycopg.pq import TransactionStatus

            return (not self.driver.closed
                    and self.driver.info.transaction_status == TransactionStatus.IDLE)
        return not self.driver.in_transaction

    def _remember(self) -> None:
        """What this committed transaction knows becomes what the process remembers."""
        if self._head is None:
            return
        self.store.remember(self.start_head, self._head, self._versions, self._appended)

    # -- events ----------------------------------------------------------
    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        evs = self._remembered_stream(stream_id)
        if evs is None:
            evs = self._read_stream(stream_id)
        if stream_id not in self._appended:  # then these are committed events
            self.store._streams.put(stream_id, evs)
        self._versions[stream_id] = evs[-1].version if evs else 0
        return evs

    def _read_stream(self, stream_id: str) -> list[RecordedEvent]:
        """The events known to the process, and those after them from the database."""
        known = self.store._streams.get(stream_id)
        since = known[-1].version if known else 0
        if self._head is not None:
            return known + [self.store.decode(r)
                            for r in self.rows(self._sql.stream_since, (stream_id, since))]
        # the first read of the transaction brings the head along: one round trip less
        rows = self._read_locked(self._sql.stream_since_and_head,
                                 self._sql.locked_stream_since_and_head, (stream_id, since))
        head = rows.pop() if rows and rows[-1][0] == 1 else None
        self._set_head((head[1], head[12], head[10]) if head else None)
        return known + [self.store.decode(r[1:]) for r in rows]

    def _remembered_stream(self, stream_id: str) -> list[RecordedEvent] | None:
        """The stream as the process remembers it, if that holds at this transaction's start."""
        if not self._trusted:
            return None
        version = self.store.memory.get(stream_id)
        if version is None:
            return None
        evs = self.store._streams.get(stream_id)
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
            remembered = self.store.memory.get(stream_id) if self._trusted else None
            if remembered is None:
                [(remembered,)] = self.rows(self._sql.stream_version, (stream_id,))
            self._versions[stream_id] = remembered or 0
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
        position, prev_hash, last_at = self._head  # type: ignore[misc]
        now = format_instant(self.store.clock())
        recorded_at = max(now, last_at)  # instants never go back along the chain
        meta_text = meta.text
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
                                          schema_version, decode_json(data_text), meta_text, day,
                                          recorded_at, prev_hash, h))
            prev_hash = h
        self._head = (position, prev_hash, recorded_at)
        self._versions[stream_id] = version
        self._appended.setdefault(stream_id, []).extend(recorded)
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

    def _set_head(self, head: FullHead | None) -> None:
        self._head = head or (0, GENESIS_HASH, "")
        self.start_head = self._head[:2]
        self._trusted = self.store.memory.begin(self.start_head)

    def _conflict_or(self, exc: Exception) -> Exception:
        """A unique key of the events table broken at write time: a writer that bypassed the
        lock. Anything else is not a conflict."""
        diag = getattr(exc, "diag", None)
        table = getattr(diag, "table_name", None) if diag is not None else None
        if table == "events" or (table is None and "events." in str(exc)):
            return ConcurrencyConflict(next(reversed(self._appended), ""), -1, -1)
        return exc

    # -- idempotency -----------------------------------------------------
    def command_result(self, command_id: str) -> tuple[dict, Claim] | None:
        """The answer a command id got, and who claimed it (user, command, body hash; None where
        not recorded)."""
        rows = self.rows(self._sql.command_result, (command_id,))
        if not rows:
            return None
        text, username, command, body_hash = rows[0]
        return decode_json(text), (username, command, body_hash)

    def remember_result(self, command_id: str, result: dict, claim: Claim) -> None:
        self.write(self._sql.remember_result,
                   (command_id, canonical_json(result), format_instant(self.store.clock()), *claim))
