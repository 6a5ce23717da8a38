"""Finding events by what they say: the inspectors' audit log, the global feed, a stream's
version, the positions recorded in some streams after a point.

Conditions are on the columns (stream, type, dates, position) and, for who acted and which
unit an event concerns, on fields of the stored JSON read with the database's own JSON
functions (``json_extract`` on SQLite, ``->>`` on PostgreSQL), so that a name matches that
field exactly and nothing else in the text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Row, cast, func, or_, select
from sqlalchemy.dialects import postgresql

from ..db import placeholder
from .model import format_instant
from .tables import events

# the payload fields that name the unit an event concerns
UNIT_FIELDS = ("unit", "responsible_unit", "owner_unit")


@dataclass(frozen=True)
class EventQuery:
    """What to look for; every part left None is not asked."""

    actor: str | None = None  # who recorded it (the metadata's ``actor``)
    unit: str | None = None  # the unit it concerns: its actor's, its stream's, or its payload's
    type: str | None = None
    stream: str | None = None  # a stream id, or a prefix when it ends with ":" (``problem:``)
    date_from: str | None = None  # business dates, ISO
    date_to: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    after: int | None = None  # positions: > after, < before, <= until
    before: int | None = None
    until: int | None = None
    hidden_stream: str | None = None  # a stream left out (the security log, for who may not read it)


def json_field(conn: Connection, column: ColumnElement, key: str) -> ColumnElement:
    """The text of a top-level field of a JSON text column."""
    if conn.dialect.name == "postgresql":
        return cast(column, postgresql.JSONB)[key].astext
    return func.json_extract(column, f'$."{key}"')


def conditions(conn: Connection, q: EventQuery) -> list[ColumnElement[bool]]:
    e = events.c
    where: list[ColumnElement[bool]] = []
    if q.actor:
        where.append(json_field(conn, e.meta, "actor") == q.actor)
    if q.unit:
        where.append(or_(json_field(conn, e.meta, "unit") == q.unit,
                         e.stream_id == f"unit:{q.unit}",
                         *[json_field(conn, e.data, k) == q.unit for k in UNIT_FIELDS]))
    if q.type:
        where.append(e.type == q.type)
    if q.stream:
        where.append(e.stream_id.startswith(q.stream, autoescape=True)
                     if q.stream.endswith(":") else e.stream_id == q.stream)
    if q.date_from:
        where.append(e.business_date >= q.date_from)
    if q.date_to:
        where.append(e.business_date <= q.date_to)
    if q.recorded_from is not None:
        where.append(e.recorded_at >= format_instant(q.recorded_from))
    if q.recorded_to is not None:
        where.append(e.recorded_at <= format_instant(q.recorded_to))
    if q.after is not None:
        where.append(e.position > q.after)
    if q.before is not None:
        where.append(e.position < q.before)
    if q.until is not None:
        where.append(e.position <= q.until)
    if q.hidden_stream is not None:
        where.append(e.stream_id != q.hidden_stream)
    return where


def search(conn: Connection, q: EventQuery, limit: int, newest_first: bool = False) -> list[Row]:
    """Up to ``limit`` events (rows of the events table, as stored) matching ``q``, in position
    order (newest first when asked)."""
    order = events.c.position.desc() if newest_first else events.c.position
    return list(conn.execute(select(events).where(*conditions(conn, q)).order_by(order)
                             .limit(limit)))


# What the feed answers with, as stored: no stream type, no hashes.
FEED_COLUMNS = ("position", "stream_id", "version", "type", "schema_version", "data", "meta",
                "business_date", "recorded_at")


def feed_rows(conn: Connection, q: EventQuery, limit: int) -> list[tuple]:
    """The FEED_COLUMNS of the rows ``search(conn, q, limit)`` finds, for the feed's queries
    (positions and a hidden stream; nothing else is asked), sent straight to the driver on the
    connection's cursor: SQLAlchemy's work for a statement and its rows costs more than the
    database's."""
    asked = {k: v for k, v in vars(q).items() if v is not None}
    unknown = set(asked) - {"after", "until", "hidden_stream"}
    if unknown:
        raise ValueError(f"feed_rows asks only positions and a hidden stream, not {unknown}")
    mark = placeholder(conn.dialect.paramstyle)
    where, params = [], []
    for sql, key in (("position > {}", "after"), ("position <= {}", "until"),
                     ("stream_id <> {}", "hidden_stream")):
        if key in asked:
            where.append(sql.format(mark))
            params.append(asked[key])
    params.append(limit)
    if not conn.in_transaction():
        conn.begin()  # as conn.execute() would
    cursor = conn.connection.cursor()
    try:
        cursor.execute(f"SELECT {', '.join(FEED_COLUMNS)} FROM events"
                       f"{' WHERE ' + ' AND '.join(where) if where else ''}"
                       f" ORDER BY position LIMIT {mark}", params)
        return cursor.fetchall()
    finally:
        cursor.close()


def stream_version(conn: Connection, stream_id: str) -> int:
    """The version of a stream's last event (0: no event yet)."""
    return conn.execute(select(func.max(events.c.version))
                        .where(events.c.stream_id == stream_id)).scalar() or 0


def positions_after(conn: Connection, streams: set[str], after: int,
                    until: int | None = None) -> list[int]:
    """The positions of the events of these streams recorded after ``after`` (up to ``until``)."""
    found: set[int] = set()
    names = sorted(streams)
    for i in range(0, len(names), 500):
        q = (select(events.c.position).where(events.c.stream_id.in_(names[i:i + 500]))
             .where(events.c.position > after))
        if until is not None:
            q = q.where(events.c.position <= until)
        found.update(conn.execute(q).scalars())
    return sorted(found)
