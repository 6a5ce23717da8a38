"""As-of answers, ledger pages and worker memory after many instants, on SQLite histories of
100,000 and 1,000,000 events (``BENCH_ASOF_SIZES``, comma-separated). The feed next to the raw
driver is bench.feed's.

A history takes minutes to write and project; ``BENCH_ASOF_KEEP`` names a directory where each
size's history is kept (``asof-<n>.sqlite3``, written under a temporary name and renamed when
whole) with its checkpoints (``asof-<n>-checkpoints``), reused by later runs. Without it, a
scratch folder removed at the end."""
from __future__ import annotations

import json
import os
import re
import shutil
import resource
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from app import create_app, schema
from app.events.model import format_instant
from tests.conftest import make_user, token_for

from .domain import load_events

START = datetime(2026, 1, 1, tzinfo=timezone.utc)  # bench.domain records event n at START + n ms
SIZES = [int(s) for s in os.environ.get("BENCH_ASOF_SIZES", "100000,1000000").split(",")]


def instant(position: int) -> str:
    return format_instant(START + timedelta(milliseconds=position))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(client, url: str, headers: dict) -> tuple[float, object]:
    t = time.perf_counter()
    r = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, (url, r.status_code, r.get_data()[:300])
    return elapsed, r


def history(n: int, tmp: str) -> str:
    """The SQLite file of an n-event history with its projections and the bench's user: the kept
    one when there is one, else written now (and kept when ``BENCH_ASOF_KEEP`` is set)."""
    keep = os.environ.get("BENCH_ASOF_KEEP")
    path = os.path.join(keep or tmp, f"asof-{n}.sqlite3")
    if os.path.exists(path):
        print(f"  {n:,} events: the history kept in {path}", flush=True)
        return path
    os.makedirs(keep or tmp, exist_ok=True)
    partial = path + ".partial"
    for leftover in (partial, partial + "-wal", partial + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    app = create_app({"DATABASE_URL": f"sqlite:///{partial}", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tmp, "ASOF_DIR": os.path.join(tmp, "asof")})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    raw = sqlite3.connect(partial)
    t = time.perf_counter()
    load_events("sqlite", raw, n)
    raw.close()
    svc.projections.rebuild(svc.store)
    print(f"  {n:,} events written and projected in {time.perf_counter() - t:.0f} s", flush=True)
    make_user(svc, "bench", "admin")
    with svc.engine.connect() as conn:  # everything into the main file before it is renamed
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    svc.engine.dispose()
    os.replace(partial, path)
    return path


def bench_size(n: int) -> None:
    tmp = tempfile.mkdtemp(prefix="duban-bench-asof-")
    path = history(n, tmp)
    # a history's checkpoints are kept beside it with it; the disk bound holds every one of them
    keep = os.environ.get("BENCH_ASOF_KEEP")
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tmp, "ASOF_DISK_MB": 64 * 1024,
                      "ASOF_DIR": (path[:-len(".sqlite3")] + "-checkpoints") if keep
                      else os.path.join(tmp, "asof")})
    svc = app.extensions["duban"]
    client = app.test_client()
    h = token_for(client, "bench")
    head = svc.store.head()[0]
    cp = svc.projections.checkpoints

    # a ledger page, live, next to the raw driver reading and encoding the same rows
    page = [timed(client, "/api/v1/problems?limit=500", h)[0] for _ in range(5)]
    _, r = timed(client, "/api/v1/problems?limit=500", h)
    nxt = re.match(r"<([^>]+)>", r.headers["Link"]).group(1).split("/api/v1", 1)[1]
    second = [timed(client, "/api/v1" + nxt, h)[0] for _ in range(5)]
    raw = sqlite3.connect(path)
    raw_ms = statistics.median(_raw_page(raw) for _ in range(5))
    raw.close()
    print(f"  problem ledger, live, limit=500 (of {r.headers['X-Total-Count']}): first page "
          f"{statistics.median(page):.0f} ms, second page {statistics.median(second):.0f} ms "
          f"(medians of 5); the raw driver counting, reading and encoding that page "
          f"{raw_ms:.1f} ms", flush=True)

    # as-of: an answer far from any checkpoint makes the one it needs in one pass; then every
    # checkpoint up to the head is made (`projections checkpoints`), each from the one before
    kept = len(list(cp.directory.rglob("*.sqlite3")))
    t = time.perf_counter()
    timed(client, "/api/v1/problems?limit=500&as_of=" + instant(head).replace("+", "%2B"), h)
    print(f"  first as-of answer at the head ({kept} checkpoints kept from an earlier run; "
          f"else its checkpoint made from the empty tables): {time.perf_counter() - t:.1f} s",
          flush=True)
    t = time.perf_counter()
    made = cp.prepare(svc.store)
    print(f"  all {made} checkpoints up to position {head:,} made in {time.perf_counter() - t:.1f} s,"
          f" {_disk_mb(cp.directory):.0f} MB on disk", flush=True)
    for share in (0.1, 0.5, 0.9, 1.0):
        position = max(1, int(head * share) - 1234)
        url = "/api/v1/problems?limit=500&as_of=" + instant(position).replace("+", "%2B")
        _forget(cp)
        cold, _ = timed(client, url, h)
        warm = statistics.median(timed(client, url, h)[0] for _ in range(5))
        print(f"  as-of problem ledger first page at position {position:,}: cold {cold:.0f} ms "
              f"(checkpoint on disk, tail {position % cp.every:,} events), warm {warm:.0f} ms",
              flush=True)
    _forget(cp)

    # memory after 100 different instants
    before = rss_mb()
    step = max(1, head // 101)
    t = time.perf_counter()
    for i in range(1, 101):
        timed(client, "/api/v1/problems?limit=500&as_of="
              + instant(i * step).replace("+", "%2B"), h)
    print(f"  RSS after 100 different as-of instants: {rss_mb():.0f} MB (before {before:.0f} MB; "
          f"snapshots cached {cp.cached_bytes / 2 ** 20:.0f} MB, {len(cp._cache)} of them; "
          f"{(time.perf_counter() - t) / 100 * 1000:.0f} ms per instant)", flush=True)

    os.environ["DUBAN_FAST_PATHS"] = "0"
    try:
        position = int(head * 0.9)
        url = "/api/v1/problems?limit=500&as_of=" + instant(position).replace("+", "%2B")
        plain, _ = timed(client, url, h)
        print(f"  the same with DUBAN_FAST_PATHS=0 (plain fold from the first event), position "
              f"{position:,}: {plain:.0f} ms", flush=True)
    finally:
        del os.environ["DUBAN_FAST_PATHS"]
    svc.projections._snapshots.clear()
    svc.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


def _forget(cp) -> None:
    """Nothing cached: the next answer is cold (its checkpoint on disk)."""
    for engine, _ in cp._cache.values():
        engine.dispose()
    cp._cache.clear()
    cp._cached_bytes = 0


def _raw_page(raw: sqlite3.Connection) -> float:
    t = time.perf_counter()
    raw.execute("SELECT count(*) FROM proj_problems").fetchone()
    cur = raw.execute("SELECT * FROM proj_problems ORDER BY id LIMIT 501")
    cols = [d[0] for d in cur.description]
    json.dumps([dict(zip(cols, r)) for r in cur.fetchall()[:500]], ensure_ascii=False,
               sort_keys=True, separators=(",", ":"))
    return (time.perf_counter() - t) * 1000


def _disk_mb(directory) -> float:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2 ** 20


def run() -> None:
    print("bench asof: SQLite; as-of and live ledger pages, memory after 100 instants, the feed",
          flush=True)
    for n in SIZES:
        bench_size(n)
