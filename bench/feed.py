"""The global feed next to the raw driver, on SQLite and on PostgreSQL.

A history of BENCH_FEED_EVENTS (200,000) realistic events is written straight into the events table
(bench.domain), then read from the first position to the last in pages of the feed's default size
(100) and of its largest (1,000; BENCH_FEED_PAGES), two ways, in turns, BENCH_FEED_ROUNDS (3) times:

- raw: the database's own driver (sqlite3, psycopg) on one connection, one statement per page
  (``position > last ORDER BY position LIMIT n``) fetching the columns the feed answers with
  (position, stream, version, type, schema version, payload, metadata, business date, recorded
  at) as Python tuples: no JSON built, nothing decoded;
- feed: ``GET /api/v1/events?after=<last>&limit=n`` through the Flask test client, the token
  checked on every request, each answer's JSON body built; the follower reads the last position
  of each page from the body, as a consumer would (not timed).

The figure is the ratio of the two rates, medians over the rounds (goal: at least 50%). The feed
is read by an admin (who also reads the security log) and by a dispatcher (for whom the query
leaves it out), and once with DUBAN_FAST_PATHS=0.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time

from app import create_app, schema
from tests.conftest import make_user, token_for

from .domain import load_events
from .scratch import scratch_databases

EVENTS = int(os.environ.get("BENCH_FEED_EVENTS", "200000"))
ROUNDS = int(os.environ.get("BENCH_FEED_ROUNDS", "3"))
# the feed's default limit, and its largest
PAGES = [int(s) for s in os.environ.get("BENCH_FEED_PAGES", "100,1000").split(",")]
GOAL = 0.5
RAW_SQL = ("SELECT position, stream_id, version, type, schema_version, data, meta, business_date, "
           "recorded_at FROM events WHERE position > {mark} ORDER BY position LIMIT {mark}")


def raw_pass(connect, mark: str, page: int) -> tuple[int, float]:
    conn = connect()
    sql = RAW_SQL.format(mark=mark)
    try:
        t = time.perf_counter()
        n, last = 0, 0
        cur = conn.cursor()
        while True:
            cur.execute(sql, (last, page))
            rows = cur.fetchall()
            if not rows:
                break
            n += len(rows)
            last = rows[-1][0]
        elapsed = time.perf_counter() - t
        cur.close()
        return n, elapsed
    finally:
        conn.close()


def feed_pass(client, headers: dict, page: int) -> tuple[int, float]:
    """Only the requests are timed: reading the last position out of each body is the
    follower's work, as decoding the rows would be the raw reader's."""
    elapsed, n, last = 0.0, 0, 0
    while True:
        t = time.perf_counter()
        r = client.get(f"/api/v1/events?after={last}&limit={page}", headers=headers)
        body = r.get_data()
        elapsed += time.perf_counter() - t
        assert r.status_code == 200, (r.status_code, body[:300])
        got = json.loads(body)
        if not got:
            break
        n += len(got)
        last = got[-1]["position"]
    return n, elapsed


def compare(client, connect, mark: str, page: int, admin: dict, dispatcher: dict) -> str:
    rates: dict[str, list[float]] = {"raw": [], "admin": [], "dispatcher": []}
    for _ in range(ROUNDS):
        for name, run in (("raw", lambda: raw_pass(connect, mark, page)),
                          ("admin", lambda: feed_pass(client, admin, page)),
                          ("dispatcher", lambda: feed_pass(client, dispatcher, page))):
            n, elapsed = run()
            rates[name].append(n / elapsed)
    os.environ["DUBAN_FAST_PATHS"] = "0"
    try:
        n, elapsed = feed_pass(client, admin, page)
    finally:
        del os.environ["DUBAN_FAST_PATHS"]
    plain = n / elapsed
    raw_rate = statistics.median(rates["raw"])
    parts = []
    for name in ("admin", "dispatcher"):
        rate = statistics.median(rates[name])
        parts.append(f"{name} {rate:,.0f}/s ({rate / raw_rate:.0%})")
    worst = min(statistics.median(rates[k]) for k in ("admin", "dispatcher")) / raw_rate
    return (f"raw driver {raw_rate:,.0f} events/s; feed {', '.join(parts)}; "
            f"goal >= {GOAL:.0%} {'ok' if worst >= GOAL else 'MISSED'}; "
            f"DUBAN_FAST_PATHS=0: admin {plain:,.0f}/s ({plain / raw_rate:.0%}); rounds: "
            + "; ".join(f"{k} " + ", ".join(f"{r:,.0f}" for r in v) for k, v in rates.items()))


def bench_database(dialect: str, url: str, connect) -> list[str]:
    tmp = tempfile.mkdtemp(prefix="duban-bench-feed-")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp})
    svc = app.extensions["duban"]
    try:
        schema.upgrade(svc.engine)
        # the projection tables, empty: the feed reads none, the users the bench makes need theirs
        svc.projections.ensure(svc.store)
        raw = connect()
        t = time.perf_counter()
        load_events(dialect, raw, EVENTS)
        raw.close()
        print(f"  {dialect}: {EVENTS:,} events written in {time.perf_counter() - t:.0f} s",
              flush=True)
        make_user(svc, "bench-admin", "admin")
        make_user(svc, "bench-dispatcher", "dispatcher")
        client = app.test_client()
        admin, dispatcher = token_for(client, "bench-admin"), token_for(client, "bench-dispatcher")
        mark = "?" if dialect == "sqlite" else "%s"
        lines = []
        for page in PAGES:
            figures = compare(client, connect, mark, page, admin, dispatcher)
            lines.append(f"{dialect:<11} pages of {page:>5,}: {figures}")
            print("  " + lines[-1], flush=True)
        return lines
    finally:
        svc.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> None:
    print(f"bench feed: {EVENTS:,} events read in pages of {' and '.join(map(str, PAGES))}, the "
          f"raw driver against GET /api/v1/events, {ROUNDS} rounds in turns", flush=True)
    lines = [line for dialect, make in scratch_databases()
             for line in bench_database(dialect, *make())]
    print("\n".join(["summary (medians):"] + ["  " + line for line in lines]), flush=True)
