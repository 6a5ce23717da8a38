"""What the event store asks of a database: one small interface, a recorder per database.

A recorder reads events outside any write transaction (``read_all``, ``read_stream``, ``head``)
and opens write sessions (``begin``). A session holds the append lock from its first statement,
so positions are assigned head + 1 and become visible in order; it reads a stream since a version
(with the head on the first read), a stream's version, inserts events and commits or rolls back.
Projections read and write their own rows through the same session (``rows``, ``write``,
``connection``, ``insert_many``).

The transaction (transaction.py) knows no database: it talks to a session only.
"""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, Table

from ...db import placeholder
from ..chain import GENESIS_HASH
from ..tables import EVENT_COLUMNS, FOLD_COLUMNS, EventRow

# Any constant will do; it only has to be the same in every process.
APPEND_LOCK_KEY = 0x6475_6261_6E


class Head(NamedTuple):
    """The last event: its position, its hash and when it was recorded."""

    position: int
    hash: str
    recorded_at: str


GENESIS = Head(0, GENESIS_HASH, "")


class ConcurrencyConflict(Exception):
    def __init__(self, stream_id: str, expected: int, actual: int):
        super().__init__(f"{stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StaleHead(Exception):
    """Another process appended since the head this transaction assumed: decide again."""


def head_of(row: Sequence[Any] | None) -> Head:
    """The head from an event row (all columns, in EVENT_COLUMNS' order); no row: no event yet."""
    if row is None:
        return GENESIS
    ev = EventRow._make(row)
    return Head(ev.position, ev.hash, ev.recorded_at)


def is_events_conflict(exc: BaseException) -> bool:
    """A unique key of the events table broken at write time: a writer that bypassed the lock."""
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)
    table = getattr(diag, "table_name", None) if diag is not None else None
    return table == "events" or (table is None and "events." in str(orig))


class Session:
    """One write transaction of a recorder, holding the append lock."""

    mark: str  # the driver's parameter mark, for ``rows`` and ``write``
    known_head: Head | None = None  # the head, when known without reading it

    def head(self) -> Head:
        """The head under the lock, this transaction's own appends included."""
        raise NotImplementedError

    def stream(self, stream_id: str, since: int,
               with_head: bool) -> tuple[list[Sequence[Any]], Head | None]:
        """The stream's events with version > since, in order; and the head if asked."""
        raise NotImplementedError

    def version(self, stream_id: str, with_head: bool) -> tuple[int, Head | None]:
        """The stream's version (0: no event), and the head if asked."""
        raise NotImplementedError

    def insert(self, row: EventRow) -> None:
        raise NotImplementedError

    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        """A read in the driver's SQL, after the waiting writes unless the caller knows that none
        of them can change its answer."""
        raise NotImplementedError

    def write(self, sql: str, params: Sequence[Any]) -> None:
        """A write in the driver's SQL that needs no answer."""
        raise NotImplementedError

    def connection(self) -> Connection:
        """A SQLAlchemy Connection in this transaction, every waiting write sent."""
        raise NotImplementedError

    def insert_many(self, table: Table, columns: list[str], values: list[tuple]) -> None:
        """Many rows of one table at once (a rebuild)."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self, confirm: bool) -> None:
        """Undo everything. ``confirm``: an answer other than a commit is about to be given,
        which must not rest on an assumed head that is no longer the head (StaleHead)."""
        raise NotImplementedError

    def close(self, head: Head | None) -> None:
        """Give the connection back; ``head``: the head after a commit, when known."""
        raise NotImplementedError


class Recorder:
    fast: bool  # True: it may keep state between transactions, and the process may cache
    assumes_head: bool = False  # begin() may start from the head the process left behind
    mark: str

    def begin(self, assumed: Head | None) -> Session:
        """A write session; ``assumed``: the head this process left behind, which a recorder
        may start from without reading it (then checking it with the first statement)."""
        raise NotImplementedError

    def read_all(self, conn: Connection, after: int, until: int | None, limit: int | None,
                 batch: int, chain: bool) -> Iterator[list[Sequence[Any]]]:
        """Rows of events with position > after (<= until) in order, a batch at a time;
        ``chain=False``: FOLD_COLUMNS only."""
        raise NotImplementedError

    def read_stream(self, conn: Connection, stream_id: str,
                    until: int | None) -> list[Sequence[Any]]:
        raise NotImplementedError

    def head(self, conn: Connection) -> Head:
        raise NotImplementedError


class DriverSQL:
    """The statements of the recorders that talk to the driver, in its parameter style."""

    def __init__(self, paramstyle: str) -> None:
        self.mark = mark = placeholder(paramstyle)
        columns = ", ".join(EVENT_COLUMNS)
        self.columns = columns
        folded = ", ".join(FOLD_COLUMNS)
        self.read_after = (f"SELECT {columns} FROM events WHERE position > {mark} "
                           f"ORDER BY position LIMIT {mark}")
        self.read_after_until = (f"SELECT {columns} FROM events WHERE position > {mark} "
                                 f"AND position <= {mark} ORDER BY position LIMIT {mark}")
        self.fold_after = (f"SELECT {folded} FROM events WHERE position > {mark} "
                           f"ORDER BY position LIMIT {mark}")
        self.fold_after_until = (f"SELECT {folded} FROM events WHERE position > {mark} "
                                 f"AND position <= {mark} ORDER BY position LIMIT {mark}")
        self.head = f"SELECT {columns} FROM events ORDER BY position DESC LIMIT 1"
        # The head, and a stream's version on the way. No row at all means no event at all:
        # the stream's version is 0 then too.
        self.version_and_head = (
            f"SELECT (SELECT max(version) FROM events WHERE stream_id = {mark}), {columns} "
            f"FROM events ORDER BY position DESC LIMIT 1")
        self.read_stream = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                            f"ORDER BY version")
        self.read_stream_until = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                                  f"AND position <= {mark} ORDER BY version")
        self.stream_version = f"SELECT max(version) FROM events WHERE stream_id = {mark}"
        self.stream_since = (f"SELECT {columns} FROM events WHERE stream_id = {mark} "
                             f"AND version > {mark} ORDER BY version")
        # A command's first read inside the lock: its stream's events after a version (0: all),
        # and the head with them (part 1).
        self.stream_since_and_head = (
            f"SELECT 0 AS part, {columns} FROM events WHERE stream_id = {mark} AND version > {mark}"
            f" UNION ALL SELECT 1 AS part, {columns} FROM (SELECT {columns} FROM events "
            f"ORDER BY position DESC LIMIT 1) AS head ORDER BY part, version")
        self.insert = (f"INSERT INTO events ({columns}) "
                       f"VALUES ({', '.join([mark] * len(EVENT_COLUMNS))})")


def split_stream_and_head(rows: list[Sequence[Any]]) -> tuple[list[Sequence[Any]], Head]:
    """The rows of ``stream_since_and_head``: the stream's (part 0) and the head (part 1)."""
    head = rows.pop() if rows and rows[-1][0] == 1 else None
    return [r[1:] for r in rows], head_of(head[1:] if head else None)
