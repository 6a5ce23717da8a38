"""As-of answers, ledger pages and worker memory after many instants, on SQLite histories of
100,000 and 1,000,000 events (``BENCH_ASOF_SIZES``, comma-separated). The feed next to the raw
driver is bench.feed's."""
from __future__ import annotations

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
from app.events.store import format_instant
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


def bench_size(n: int) -> None:
    tmp = tempfile.mkdtemp(prefix="duban-bench-asof-")
    path = os.path.join(tmp, "asof.sqlite3")
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tmp, "ASOF_DIR": os.path.join(tmp, "asof")})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    raw = sqlite3.connect(path)
    t = time.perf_counter()
    load_events("sqlite", raw, n)
    raw.close()
    svc.projections.rebuild(svc.store)
    print(f"  {n:,} events written and projected in {time.perf_counter() - t:.0f} s", flush=True)
    make_user(svc, "bench", "admin")
    client = app.test_client()
    h = token_for(client, "bench")
    head = svc.store.head()[0]
    cp = svc.projections.checkpoints

    # a ledger page, live
    page = [timed(client, "/api/v1/problems?limit=500", h)[0] for _ in range(5)]
    _, r = timed(client, "/api/v1/problems?limit=500", h)
    nxt = re.match(r"<([^>]+)>", r.headers["Link"]).group(1).split("/api/v1", 1)[1]
    second = [timed(client, "/api/v1" + nxt, h)[0] for _ in range(5)]
    print(f"  problem ledger, live, limit=500 (of {r.headers['X-Total-Count']}): first page "
          f"{statistics.median(page):.0f} ms, second page {statistics.median(second):.0f} ms "
          f"(medians of 5)", flush=True)

    # as-of: an answer far from any checkpoint makes the one it needs in one pass; then every
    # checkpoint up to the head is made (`projections checkpoints`), each from the one before
    t = time.perf_counter()
    timed(client, "/api/v1/problems?limit=500&as_of=" + instant(head).replace("+", "%2B"), h)
    print(f"  first as-of answer ever, at the head (its checkpoint made from the empty tables): "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    made = cp.prepare(svc.store)
    print(f"  all {made} checkpoints up to position {head:,} made in {time.perf_counter() - t:.1f} s,"
          f" {_disk_mb(cp.directory):.0f} MB on disk", flush=True)
    for share in (0.1, 0.5, 0.9, 1.0):
        position = max(1, int(head * share) - 1234)
        url = "/api/v1/problems?limit=500&as_of=" + instant(position).replace("+", "%2B")
        cp._cache.clear()
        cold, _ = timed(client, url, h)
        warm = statistics.median(timed(client, url, h)[0] for _ in range(5))
        print(f"  as-of problem ledger first page at position {position:,}: cold {cold:.0f} ms "
              f"(checkpoint on disk, tail {position % cp.every:,} events), warm {warm:.0f} ms",
              flush=True)
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

    # memory after 100 different instants
    before = rss_mb()
    step = max(1, head // 101)
    t = time.perf_counter()
    for i in range(1, 101):
        timed(client, "/api/v1/problems?limit=500&as_of="
              + instant(i * step).replace("+", "%2B"), h)
    print(f"  RSS after 100 different as-of instants: {rss_mb():.0f} MB (before {before:.0f} MB; "
          f"snapshots cached {cp.cached_bytes / 2 ** 20:.0f} MB; "
          f"{(time.perf_counter() - t) / 100 * 1000:.0f} ms per instant)", flush=True)

    svc.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


def _disk_mb(directory) -> float:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2 ** 20


def run() -> None:
    print("bench asof: SQLite; as-of and live ledger pages, memory after 100 instants", flush=True)
    for n in SIZES:
        bench_size(n)
