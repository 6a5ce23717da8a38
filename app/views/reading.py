"""Where a reader reads from: the live projection tables, or a snapshot folded from the events
recorded up to an instant ("as of"). Every view function takes a :class:`QueryView`, or its
connection, so the API, the staff pages, the exports and the reports read the same way."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator

from sqlalchemy import Connection

from ..bootstrap import Services
from ..domain.actors import Actor

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
def reading(svc: Services, as_of: datetime | None) -> Iterator[tuple[Connection, int | None]]:
    """A connection to the live tables (position None), or to a snapshot as of ``as_of``."""
    if as_of is None:
        with svc.engine.connect() as conn:
            yield conn, None
        return
    position = svc.store.position_at(as_of)
    snap = svc.projections.snapshot(svc.store, position)
    with snap.connect() as conn:
        yield conn, position
