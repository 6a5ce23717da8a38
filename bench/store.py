"""The event store next to the raw driver, on SQLite and on PostgreSQL (issue 2).

appends: one event per transaction through EventStore.append (payload validated, stream
version checked, hash chain computed), against the raw driver's one-row INSERT + COMMIT of
the same rows into the same table (stdlib sqlite3 with WAL + synchronous=FULL; psycopg).

reads: every event read and decoded through EventStore.read_all, against the raw driver's
``SELECT ... ORDER BY position`` with json.loads of each payload, over the same rows.

Sizes: BENCH_APPENDS (default 3000) and BENCH_READS (default 120000) in the environment;
BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) names the PostgreSQL server to create a scratch
database on.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator

from marshmallow import Schema, fields
from sqlalchemy import create_engine, make_url, text

from app import schema
from app.db import make_engine
from app.events.chain import GENESIS_HASH, canonical_json, event_hash
from app.events.model import Metadata, NewEvent, format_instant
from app.events.registry import EventRegistry
from app.events.store import EventStore, utc_now

from .scratch import PG_ADMIN_URL, pg_unreachable

APPENDS = int(os.environ.get("BENCH_APPENDS", "3000"))
READS = int(os.environ.get("BENCH_READS", "120000"))
ROUNDS = 20         # store and raw take turns in this many rounds, so both see the same machine
WARMUP = 50
STREAMS = 100
LOAD_BATCH = 1000   # events per append when loading the read set
TARGET = 0.5

COLUMNS = ("position", "stream_id", "stream_type", "version", "type", "schema_version", "data",
           "meta", "business_date", "recorded_at", "prev_hash", "hash")
SELECT_ALL = f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY position"


class ProgressNoted(Schema):
    """A payload shaped like a monthly progress submission."""

    project = fields.String(required=True)
    period = fields.String(required=True)
    month_investment = fields.Float(required=True)
    image_progress = fields.String(required=True)
    reason = fields.String(allow_none=True)


def registry() -> EventRegistry:
    reg = EventRegistry()
    reg.register("ProgressNoted", ProgressNoted)
    return reg


def payload(i: int) -> dict:
    return {"project": f"XM-2026-{i % STREAMS:03d}", "period": f"2026-{1 + i % 12:02d}",
            "month_investment": round(100 + i * 0.37, 2),
            "image_progress": f"主体结构施工至第{i % 30}层，形象进度约{i % 100}%", "reason": None}


META = Metadata(actor="bench", role="system", unit=None, command_id=None)
DAY = date(2026, 6, 30)


def raw_rows(count: int) -> list[tuple]:
    """The rows the store would write for the same appends, chained, ready for the raw driver."""
    rows, prev = [], GENESIS_HASH
    meta = canonical_json(META.as_dict())
    versions = [0] * STREAMS
    for i in range(count):
        s = i % STREAMS
        versions[s] += 1
        position, stream = i + 1, f"bench:{s}"
        data = canonical_json(payload(i))
        at = format_instant(utc_now())
        h = event_hash(position, stream, "bench", versions[s], "ProgressNoted", 1, data, meta,
                       DAY.isoformat(), at, prev)
        rows.append((position, stream, "bench", versions[s], "ProgressNoted", 1, data, meta,
                     DAY.isoformat(), at, prev, h))
        prev = h
    return rows


# -- one backend -----------------------------------------------------------------------------
@dataclass
class Backend:
    name: str
    store_url: str                      # SQLAlchemy URL of the store's database
    raw_connect: Callable[[], object]   # a DB-API connection to the raw database
    raw_read_connect: Callable[[], object]  # a DB-API connection to the store's database
    placeholder: str


class StoreAppender:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.i = 0
        self.versions = [0] * STREAMS

    def __call__(self, n: int) -> None:
        store, versions = self.store, self.versions
        for _ in range(n):
            s = self.i % STREAMS
            store._append(f"bench:{s}", "bench", [NewEvent("ProgressNoted", payload(self.i), DAY)],
                         versions[s], META)
            versions[s] += 1
            self.i += 1


class RawAppender:
    def __init__(self, conn, placeholder: str, rows: list[tuple]) -> None:
        self.conn = conn
        self.rows = rows
        self.i = 0
        self.sql = (f"INSERT INTO events ({', '.join(COLUMNS)}) "
                    f"VALUES ({', '.join([placeholder] * len(COLUMNS))})")

    def __call__(self, n: int) -> None:
        conn, sql, rows = self.conn, self.sql, self.rows
        for row in rows[self.i:self.i + n]:
            conn.execute(sql, row)
            conn.commit()
        self.i += n


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_appends(b: Backend, store: EventStore) -> tuple[float, float]:
    """Appends/s of the store and of the raw driver, taking turns; the median round of each."""
    raw_conn = b.raw_connect()
    try:
        store_append = StoreAppender(store)
        raw_append = RawAppender(raw_conn, b.placeholder, raw_rows(WARMUP + APPENDS))
        store_append(WARMUP)
        raw_append(WARMUP)
        per_round = APPENDS // ROUNDS
        store_rates, raw_rates = [], []
        for _ in range(ROUNDS):
            raw_rates.append(per_round / timed(lambda: raw_append(per_round)))
            store_rates.append(per_round / timed(lambda: store_append(per_round)))
        # the median round of each: a burst of the shared machine's other load, which lands on
        # one side or the other, moves neither
        return statistics.median(store_rates), statistics.median(raw_rates)
    finally:
        raw_conn.close()


def load_read_set(store: EventStore, count: int) -> float:
    t = time.perf_counter()
    done = 0
    while done < count:
        size = min(LOAD_BATCH, count - done)
        store._append(f"load:{done // LOAD_BATCH}", "bench",
                     [NewEvent("ProgressNoted", payload(done + j), DAY) for j in range(size)],
                     0, META)
        done += size
    return time.perf_counter() - t


def bench_reads(b: Backend, store: EventStore, repeat: int = 4) -> tuple[float, float, int]:
    def store_read() -> int:
        n = 0
        for _ in store.read_all():
            n += 1
        return n

    raw_conn = b.raw_read_connect()
    try:
        def raw_read() -> int:
            n = 0
            loads = json.loads
            for row in raw_conn.execute(SELECT_ALL):
                loads(row[6])
                n += 1
            raw_conn.commit()
            return n

        total = store_read()
        assert raw_read() == total
        t_store = t_raw = float("inf")
        for _ in range(repeat):  # taking turns; the best of each
            t_raw = min(t_raw, timed(raw_read))
            t_store = min(t_store, timed(store_read))
        return total / t_store, total / t_raw, total
    finally:
        raw_conn.close()


def run_backend(b: Backend) -> list[tuple[str, str, float, float]]:
    """Rows of (database, measure, store rate, raw rate)."""
    engine = make_engine(b.store_url)
    try:
        schema.upgrade(engine)
        store = EventStore(engine, registry())
        store_rate, raw_rate = bench_appends(b, store)
        load_s = load_read_set(store, READS)
        print(f"  {b.name}: read set of {READS} events loaded through the store in {load_s:.1f} s",
              flush=True)
        reads = bench_reads(b, store)
    finally:
        engine.dispose()
    return [(b.name, "appends/s (1 event per transaction)", store_rate, raw_rate),
            (b.name, f"events read+decoded/s ({reads[2]} events)", reads[0], reads[1])]


# -- the databases ---------------------------------------------------------------------------
@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    tmp = tempfile.mkdtemp(prefix="duban-bench-")
    store_path, raw_path = os.path.join(tmp, "store.sqlite3"), os.path.join(tmp, "raw.sqlite3")

    def connect(path: str):
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    try:
        raw_engine = make_engine(f"sqlite:///{raw_path}")
        schema.upgrade(raw_engine)  # the same table, indexes and triggers
        raw_engine.dispose()
        yield Backend("sqlite", f"sqlite:///{store_path}", lambda: connect(raw_path),
                      lambda: connect(store_path), "?")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def postgres_backend() -> Iterator[Backend]:
    import psycopg

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    base = f"duban_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = [base + "_store", base + "_raw"]
    urls = [make_url(PG_ADMIN_URL).set(database=n) for n in names]
    try:
        with admin.connect() as c:
            for n in names:
                c.execute(text(f'CREATE DATABASE "{n}"'))
        raw_engine = make_engine(urls[1].render_as_string(hide_password=False))
        schema.upgrade(raw_engine)
        raw_engine.dispose()

        def dsn(url) -> str:
            return url.set(drivername="postgresql").render_as_string(hide_password=False)

        yield Backend("postgresql", urls[0].render_as_string(hide_password=False),
                      lambda: psycopg.connect(dsn(urls[1])), lambda: psycopg.connect(dsn(urls[0])),
                      "%s")
    finally:
        with admin.connect() as c:
            for n in names:
                c.execute(text(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'))
        admin.dispose()


def run() -> None:
    began = time.perf_counter()
    print(f"bench store: EventStore vs the raw driver; {APPENDS} appends of one event per "
          f"transaction, then reads of every event (~{READS // 1000}k)", flush=True)
    results = []
    with sqlite_backend() as b:
        results += run_backend(b)
    reason = pg_unreachable()
    if reason:
        print(f"  postgresql: skipped, no server at {PG_ADMIN_URL} ({reason})")
    else:
        with postgres_backend() as b:
            results += run_backend(b)

    print()
    print(f"{'database':<11} {'measure':<40} {'store':>10} {'raw':>10} {'ratio':>7}  target")
    for db, what, store_rate, raw_rate in results:
        ratio = store_rate / raw_rate
        verdict = f">= {TARGET:.0%} " + ("ok" if ratio >= TARGET else "MISSED")
        print(f"{db:<11} {what:<40} {store_rate:>10,.0f} {raw_rate:>10,.0f} {ratio:>6.0%}  "
              f"{verdict}")
    print(f"\n(finished in {time.perf_counter() - began:.0f} s)")
