"""Where a reader reads from: the live projection tables, or a snapshot folded from the events
recorded up to an instant ("as of"). Every view function takes a :class:`QueryView`, or its
connection, so the API, the staff pages, the exports and the reports read the same way.

Live tables are read on the read replica when one is configured (``app/replica.py``), once it
holds the position the reader names as its last write; else on the primary."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterator, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from ..bootstrap import Services
from ..domain.actors import Actor
from ..replica import ReplicaFailed

# Rows read a batch at a time (a server-side cursor on PostgreSQL): a whole ledger is never
# held in memory, however large, for a sheet that streams its rows.
STREAM = {"stream_results": True, "yield_per": 2000}


@dataclass
class QueryView:
    """What a view function reads from: live tables, or a snapshot as of a position."""

    services: Services
    conn: Connection
    actor: Actor
    position: int | None  # None: live
    as_of: datetime | None = None

    @property
    def today(self) -> date:
        """Today, or the day of the as-of instant: an answer as of then uses that day's defaults."""
        if self.as_of is not None:
            return self.as_of.astimezone(self.services.tz).date()
        return self.services.today()

    @contextmanager
    def events(self) -> Iterator[Connection]:
        """A connection to read the events on: this view's own when it reads the live tables (the
        primary's or the replica's, so that events and tables agree), the primary's when the view
        is a snapshot (which holds no events)."""
        if self.position is None:
            yield self.conn
            return
        with self.services.engine.connect() as conn:
            yield conn


@contextmanager
def reading(svc: Services, as_of: datetime | None, after: int | None = None,
            primary: bool = False) -> Iterator[tuple[Connection, int | None]]:
    """A connection to the live tables (position None), or to a snapshot as of ``as_of``.

    The live tables are the replica's when there is one, it answers and holds the event at
    position ``after`` (the reader's last write), unless ``primary`` is asked for."""
    if as_of is None:
        conn = svc.replica.connect(after) if svc.replica is not None and not primary else None
        if conn is None:
            with svc.engine.connect() as conn:
                yield conn, None
            return
        with conn:
            try:
                yield conn, None
            except DBAPIError as exc:
                svc.replica.failed()
                raise ReplicaFailed("the read replica failed") from exc
        return
    position = svc.store.position_at(as_of)
    snap = svc.projections.snapshot(svc.store, position)
    with snap.connect() as conn:
        yield conn, position


T = TypeVar("T")


def read(svc: Services, as_of: datetime | None, after: int | None,
         answer: Callable[[Connection, int | None], T]) -> T:
    """``answer(conn, position)`` read as :func:`reading` gives it; when the replica fails in the
    middle, answered again from the primary."""
    try:
        with reading(svc, as_of, after) as (conn, position):
            return answer(conn, position)
    except ReplicaFailed:
        with reading(svc, as_of, after, primary=True) as (conn, position):
            return answer(conn, position)
