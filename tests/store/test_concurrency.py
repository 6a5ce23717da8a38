"""Concurrent writers: one winner per expected version, and a follower that never misses an event.

The multi-process test starts its processes with 'spawn': each builds its own engine and
store from the database URL, as separate gunicorn workers and a separate consumer would.
"""
from __future__ import annotations

import multiprocessing
import threading
import time

from app.db import make_engine
from app.domain.actors import SYSTEM
from app.domain.errors import Conflict
from app.events.audit import verify_chain
from app.events.model import Metadata
from app.events.store import ConcurrencyConflict, EventStore
from tests.conftest import make_user, token_for
from tests.store.test_store import META, make_store, noted, noted_registry

WRITERS = 4
PER_WRITER = 150
DEADLINE_S = 60.0


# -- one winner ------------------------------------------------------------------------------
def test_two_stores_same_expected_version_exactly_one_wins(services, clock):
    """Two stores on their own engines (as two processes would have), released together."""
    url = services.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(2)]
    try:
        stores = [make_store(e, clock) for e in engines]
        stores[0]._append("note:x", "note", [noted("start")], 0, META)
        for round_ in range(1, 6):
            barrier = threading.Barrier(2)
            outcomes: list = []

            def write(store, i):
                barrier.wait()
                try:
                    outcomes.append(store._append("note:x", "note", [noted(f"r{round_}w{i}")],
                                                 round_, META))
                except ConcurrencyConflict as exc:
                    outcomes.append(exc)

            threads = [threading.Thread(target=write, args=(s, i)) for i, s in enumerate(stores)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrencyConflict", "list"]
        assert [e.version for e in stores[1].read_stream("note:x")] == list(range(1, 7))
        assert verify_chain(services.engine).ok
    finally:
        for e in engines:
            e.dispose()


def test_bus_same_expected_version_concurrently_one_conflict(services):
    make_user(services, "bob", "dispatcher")
    barrier = threading.Barrier(2)
    outcomes: list = []

    def change(role):
        barrier.wait()
        try:
            outcomes.append(services.bus.execute(
                "change_role", {"username": "bob", "role": role}, SYSTEM, expected_version=1))
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=change, args=(r,)) for r in ("leader", "inspector")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "dict"]
    assert [e.version for e in services.store.read_stream("user:bob")] == [1, 2]


def test_api_two_role_changes_with_the_same_expected_version(app, client):
    svc = app.extensions["duban"]
    make_user(svc, "root", "admin")
    h = token_for(client, "root")
    created = client.post("/api/v1/users", headers=h,
                          json={"username": "zhou", "password": "secret123", "role": "leader"})
    assert created.status_code == 201
    v = created.get_json()["version"]
    statuses = [client.post("/api/v1/users/zhou/role", headers=h,
                            json={"role": role, "expected_version": v}).status_code
                for role in ("dispatcher", "inspector")]
    assert statuses == [201, 409]


# -- several processes -----------------------------------------------------------------------
def _writer(url: str, index: int, count: int, start) -> None:
    engine = make_engine(url)
    store = EventStore(engine, noted_registry())
    meta = Metadata(actor=f"writer{index}", role="system")
    store.head()  # connect before the start signal
    start.wait()
    for v in range(count):
        store._append(f"writer:{index}", "writer", [noted(f"w{index}", v)], v, meta)
    engine.dispose()


def _follower(url: str, total: int, start, out) -> None:
    engine = make_engine(url)
    store = EventStore(engine, noted_registry())
    store.head()
    start.wait()
    last, seen, bad_batches, reads = 0, [], [], 0
    per_stream: dict[str, list[int]] = {}
    give_up = time.monotonic() + DEADLINE_S
    while last < total and time.monotonic() < give_up:
        batch = list(store.read_all(after=last, limit=200))
        reads += 1
        if not batch:
            time.sleep(0.001)
            continue
        positions = [e.position for e in batch]
        if positions != list(range(last + 1, last + 1 + len(batch))):
            bad_batches.append((last, positions[:5]))
        for e in batch:
            per_stream.setdefault(e.stream_id, []).append(e.version)
        seen.extend(positions)
        last = positions[-1]
    engine.dispose()
    out.put({"seen": seen, "bad_batches": bad_batches, "reads": reads, "per_stream": per_stream})


def test_writer_processes_and_a_follower_lose_and_duplicate_nothing(services):
    url = services.engine.url.render_as_string(hide_password=False)
    total = WRITERS * PER_WRITER
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    out = ctx.Queue()
    follower = ctx.Process(target=_follower, args=(url, total, start, out))
    writers = [ctx.Process(target=_writer, args=(url, i, PER_WRITER, start))
               for i in range(WRITERS)]
    procs = [follower, *writers]
    began = time.monotonic()
    for p in procs:
        p.start()
    try:
        start.set()
        report = out.get(timeout=DEADLINE_S + 30)
        for p in procs:
            p.join(timeout=30)
        assert [p.exitcode for p in writers] == [0] * WRITERS
        assert follower.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
    elapsed = time.monotonic() - began

    assert report["bad_batches"] == []           # every read started at last + 1, without holes
    assert report["seen"] == list(range(1, total + 1))   # all, once each, in order
    assert report["reads"] > 1                   # it really followed along, not read once at the end
    assert sorted(report["per_stream"]) == [f"writer:{i}" for i in range(WRITERS)]
    for versions in report["per_stream"].values():
        assert versions == list(range(1, PER_WRITER + 1))
    result = verify_chain(services.engine)
    assert result.ok and result.checked == total
    assert elapsed < DEADLINE_S, f"took {elapsed:.1f}s"
