"""The plain recorder: the reference every fast path is measured against, on either database.

SQLAlchemy Core statements on a connection taken from the pool for each transaction and given
back after it; every statement is sent when it is made (no waiting writes, nothing written into
one string), the head is read under the lock each time (none assumed or remembered), and nothing
is kept between transactions. The append lock: BEGIN IMMEDIATE on SQLite (the engine's begin
hook, db.py), a transaction-scoped advisory lock on PostgreSQL.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.exc import IntegrityError

from ...db import placeholder
from ..tables import EVENT_COLUMNS, FOLD_COLUMNS, EventRow, events
from .base import (APPEND_LOCK_KEY, ConcurrencyConflict, Head, Recorder, Session, head_of,
                   is_events_conflict)

_ALL = [events.c[name] for name in EVENT_COLUMNS]
_FOLDED = [events.c[name] for name in FOLD_COLUMNS]
_HEAD = select(*_ALL).order_by(events.c.position.desc()).limit(1)


class PlainRecorder(Recorder):
    fast = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.mark = placeholder(engine.dialect.paramstyle)
        self.lock = (select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY))
                     if engine.dialect.name == "postgresql" else None)

    def begin(self, assumed: Head | None) -> "PlainSession":
        return PlainSession(self)

    def read_all(self, conn: Connection, after: int, until: int | None, limit: int | None,
                 batch: int, chain: bool) -> Iterator[list[Sequence[Any]]]:
        remaining, last = limit, after
        while remaining is None or remaining > 0:
            size = batch if remaining is None else min(batch, remaining)
            q = select(*(_ALL if chain else _FOLDED)).where(events.c.position > last)
            if until is not None:
                q = q.where(events.c.position <= until)
            rows = conn.execute(q.order_by(events.c.position).limit(size)).all()
            yield rows
            if len(rows) < size:
                return
            last = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def read_stream(self, conn: Connection, stream_id: str,
                    until: int | None) -> list[Sequence[Any]]:
        q = select(*_ALL).where(events.c.stream_id == stream_id)
        if until is not None:
            q = q.where(events.c.position <= until)
        return conn.execute(q.order_by(events.c.version)).all()

    def head(self, conn: Connection) -> Head:
        return head_of(conn.execute(_HEAD).first())


class PlainSession(Session):
    def __init__(self, recorder: PlainRecorder) -> None:
        self.mark = recorder.mark
        # duban_write: BEGIN IMMEDIATE on SQLite, the write lock before the first read
        self.conn = recorder.engine.connect().execution_options(duban_write=True)
        try:
            self.conn.begin()
            if recorder.lock is not None:
                self.conn.execute(recorder.lock)
        except BaseException:
            self.conn.close()
            raise

    def stream(self, stream_id: str, since: int,
               with_head: bool) -> tuple[list[Sequence[Any]], Head | None]:
        rows = self.conn.execute(
            select(*_ALL).where(events.c.stream_id == stream_id, events.c.version > since)
            .order_by(events.c.version)).all()
        return rows, self.head() if with_head else None

    def version(self, stream_id: str, with_head: bool) -> tuple[int, Head | None]:
        version = self.conn.execute(select(func.max(events.c.version))
                                    .where(events.c.stream_id == stream_id)).scalar()
        return version or 0, self.head() if with_head else None

    def head(self) -> Head:
        return head_of(self.conn.execute(_HEAD).first())

    def insert(self, row: EventRow) -> None:
        try:
            self.conn.execute(events.insert().values(row._asdict()))
        except IntegrityError as exc:
            if is_events_conflict(exc):
                raise ConcurrencyConflict(row.stream_id, -1, -1) from exc
            raise

    def rows(self, sql: str, params: Sequence[Any], after_writes: bool = True) -> list[tuple]:
        return self.conn.exec_driver_sql(sql, tuple(params)).all()

    def write(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.exec_driver_sql(sql, tuple(params))

    def connection(self) -> Connection:
        return self.conn

    def insert_many(self, table: Table, columns: list[str], values: list[tuple]) -> None:
        if values:
            self.conn.execute(table.insert(), [dict(zip(columns, v)) for v in values])

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self, confirm: bool) -> None:
        self.conn.rollback()

    def close(self, head: Head | None) -> None:
        self.conn.close()
