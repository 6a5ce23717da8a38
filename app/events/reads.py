"""Named reads of the log for those who check it: the audit (proofs, checkpoints, evidence
packages), the evidence files' check, the as-of checkpoints. Nothing outside the events package
names the events table: it asks here.

Every function reads on a connection the caller holds, so that several reads see one snapshot.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import Connection, func, select

from .model import format_instant
from .tables import events

# Every stored column of an event, texts exactly as hashed: what an evidence package carries.
COLUMNS = ("position", "stream_id", "stream_type", "version", "type", "schema_version", "data",
           "meta", "business_date", "recorded_at", "prev_hash", "hash")


def head_position(conn: Connection) -> int:
    """The log's size: the position of its last event (0 when empty)."""
    return conn.execute(select(func.max(events.c.position))).scalar() or 0


def hashes(conn: Connection, after: int, until: int, limit: int) -> list[tuple[int, str]]:
    """(position, hash) of the events after ``after`` up to ``until``, in order, at most ``limit``."""
    return [tuple(r) for r in conn.execute(
        select(events.c.position, events.c.hash)
        .where(events.c.position > after, events.c.position <= until)
        .order_by(events.c.position).limit(limit))]


def hash_at(conn: Connection, position: int) -> str | None:
    return conn.execute(select(events.c.hash).where(events.c.position == position)).scalar()


def next_position(conn: Connection, after: int) -> int | None:
    """The first position still in the log after ``after`` (how far a hole runs)."""
    return conn.execute(select(events.c.position).where(events.c.position > after)
                        .order_by(events.c.position).limit(1)).scalar()


def positions_recorded(conn: Connection, start: datetime | None,
                       end: datetime | None) -> tuple[int, int]:
    """The run of positions recorded from ``start`` (inclusive) to ``end`` (exclusive), None for
    open; (first, last) with first > last when the run is empty. ``recorded_at`` never goes back
    along the chain, so the run has no gaps."""
    last = head_position(conn)
    first = 1
    if start is not None:
        first = _edge(func.min, events.c.recorded_at >= format_instant(start))(conn) or last + 1
    if end is not None:
        last = _edge(func.max, events.c.recorded_at < format_instant(end))(conn) or 0
    return first, last


def data_of_types(conn: Connection, types: Sequence[str], until_position: int | None = None,
                  newest_first: bool = False, limit: int | None = None
                  ) -> list[tuple[int, str, str]]:
    """(position, stream id, payload text) of the events of these types, in position order (or
    newest first), up to a position."""
    q = select(events.c.position, events.c.stream_id, events.c.data).where(events.c.type.in_(types))
    if until_position is not None:
        q = q.where(events.c.position <= until_position)
    q = q.order_by(events.c.position.desc() if newest_first else events.c.position)
    if limit is not None:
        q = q.limit(limit)
    return [tuple(r) for r in conn.execute(q)]


def stored_rows(conn: Connection, *, stream: str | None = None,
                streams: Iterable[str] | None = None,
                positions: tuple[int, int] | None = None) -> list[dict]:
    """Whole events with every stored column (COLUMNS): one stream's in version order, or those of
    several streams and/or a run of positions in position order."""
    q = select(*[events.c[c] for c in COLUMNS])
    if stream is not None:
        q = q.where(events.c.stream_id == stream).order_by(events.c.version)
    else:
        if streams is not None:
            q = q.where(events.c.stream_id.in_(list(streams)))
        if positions is not None:
            q = q.where(events.c.position.between(*positions))
        q = q.order_by(events.c.position)
    return [dict(zip(COLUMNS, r)) for r in conn.execute(q)]


def last_recorded_by(conn: Connection, instant: datetime) -> int:
    """The last position recorded at or before an instant (0 if none)."""
    return _edge(func.max, events.c.recorded_at <= format_instant(instant))(conn) or 0


def _edge(agg, bound):
    """The first or last position (``agg`` min or max) recorded within ``bound``, a range of
    ``recorded_at``. Asked of the position column, the database walks the log in position order
    until the bound holds, a walk as long as the history; so the edge instant is found in the
    index on ``recorded_at`` first, then the edge position among the events recorded at that
    very instant (``recorded_at`` never goes back along the chain, so they are the edge)."""
    at = select(agg(events.c.recorded_at)).where(bound).scalar_subquery()
    return lambda conn: conn.execute(
        select(agg(events.c.position)).where(events.c.recorded_at == at)).scalar()
