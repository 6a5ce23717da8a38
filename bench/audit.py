"""Audit proofs: what the Merkle tree costs appends, and proofs at 1,000,000 events.

appends: one event per transaction through EventStore.append, in turns: plain, and with the
tree kept up to date as it goes (tree.build after every 64 appends, as if a proof or a
checkpoint asked for the newest tree each time a block filled). The tree is computed on demand,
so the append path itself is unchanged; this measures what keeping the stored subtree hashes
current costs on top of it.

the 1,000,000-event log: loaded through the raw driver (see load_log), then: building the tree's stored hashes from nothing (the upgrade), inclusion and
consistency proofs at random positions and sizes (each as the API computes it, on a connection
from the pool: one statement reading the stored hashes and ragged blocks it needs; the statements
each proof sent are counted, and on PostgreSQL no BEGIN or ROLLBACK goes with them), and the root recomputed
from the events alone (what ``audit verify --against`` does besides walking the chain).

Sizes: BENCH_AUDIT_APPENDS (default 3000), BENCH_AUDIT_EVENTS (default 1,000000),
BENCH_AUDIT_PROOFS (default 200); BENCH_AUDIT_ONLY=sqlite|postgresql runs one database.
"""
from __future__ import annotations

import hashlib
import os
import random
import statistics
import time

from sqlalchemy import event

from app import schema
from app.audit import proofs
from app.audit.against import recomputed_root
from app.db import make_engine
from app.events import merkle, tree
from app.events.chain import GENESIS_HASH, canonical_json
from app.events.store import EventStore

from .scratch import scratch_databases
from .store import COLUMNS, DAY, META, STREAMS, StoreAppender, payload, registry

APPENDS = int(os.environ.get("BENCH_AUDIT_APPENDS", "3000"))
EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
PROOFS = int(os.environ.get("BENCH_AUDIT_PROOFS", "200"))
ONLY = os.environ.get("BENCH_AUDIT_ONLY")  # "sqlite" or "postgresql": that database alone
ROUNDS = 10
LOAD_CHUNK = 50_000


def bench_appends(engine, store: EventStore) -> tuple[float, float]:
    appender = StoreAppender(store)
    appender(100)  # warm-up

    def kept(n: int) -> None:
        for _ in range(n // tree.BLOCK):
            appender(tree.BLOCK)
            tree.build(engine)
        appender(n % tree.BLOCK)
        tree.build(engine)

    per_round = APPENDS // ROUNDS
    plain_rates, kept_rates = [], []
    for _ in range(ROUNDS):  # in turns, so that both see the same machine
        t = time.perf_counter()
        appender(per_round)
        plain_rates.append(per_round / (time.perf_counter() - t))
        t = time.perf_counter()
        kept(per_round)
        kept_rates.append(per_round / (time.perf_counter() - t))
    return statistics.median(plain_rates), statistics.median(kept_rates)


def load_log(engine, count: int) -> float:
    """``count`` events shaped as the store writes them (payload, metadata, chained hashes),
    written in chunks through the raw driver. Each hash is SHA-256 over the previous hash and
    the position, not the chain's own encoding: the tree reads nothing but the hashes, and
    computing a million real ones would double the loading time."""
    t = time.perf_counter()
    meta = canonical_json(META.as_dict())
    data = canonical_json(payload(1))
    versions = [0] * STREAMS
    prev = GENESIS_HASH
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    sql = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
    day = DAY.isoformat()
    done = 0
    while done < count:
        rows = []
        for i in range(done, min(count, done + LOAD_CHUNK)):
            s = i % STREAMS
            versions[s] += 1
            h = hashlib.sha256(f"{prev}{i}".encode()).hexdigest()
            rows.append((i + 1, f"bench:{s}", "bench", versions[s], "ProgressNoted", 1, data,
                         meta, day, "2026-06-30T00:00:00.000000Z", prev, h))
            prev = h
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if engine.dialect.name == "sqlite":
                cur.execute("BEGIN")
            cur.executemany(sql, rows)
            raw.commit()
        finally:
            raw.close()
        done += len(rows)
    return time.perf_counter() - t


def timed_ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def describe(ms: list[float]) -> str:
    ms = sorted(ms)
    return (f"median {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.2f} ms, "
            f"max {ms[-1]:.2f} ms")


def bench_proofs(engine, n: int) -> None:
    rng = random.Random(18)
    inclusion, consistency = [], []
    with engine.connect() as conn:
        root = tree.TreeView(conn, n).root()
    sent = [0]

    def count(*_args) -> None:
        sent[0] += 1

    statements = []
    for _ in range(PROOFS):
        size = rng.choice([n, rng.randint(1, n)])
        position = rng.randint(1, size)
        answer = {}
        event.listen(engine, "before_cursor_execute", count)
        sent[0] = 0
        inclusion.append(timed_ms(lambda: answer.update(proofs.inclusion(engine, position, size))))
        statements.append(sent[0])
        event.remove(engine, "before_cursor_execute", count)
        if size == n:  # spot-check what was timed
            with engine.connect() as conn:
                leaf = bytes.fromhex(conn.exec_driver_sql(
                    f"SELECT hash FROM events WHERE position = {position}").scalar())
            assert merkle.verify_inclusion(position - 1, n, merkle.leaf_hash(leaf),
                                           [bytes.fromhex(p) for p in answer["path"]], root)
        first = rng.randint(1, n)
        consistency.append(timed_ms(lambda: proofs.consistency(engine, first, n)))
    print(f"    inclusion proof ({PROOFS}, random position and size ≤ {n:,}): "
          f"{describe(inclusion)}  (goal < 20 ms)")
    print(f"    consistency proof ({PROOFS}, random first, second = {n:,}): "
          f"{describe(consistency)}  (goal < 20 ms)")
    print(f"    statements per inclusion proof: {min(statements)}–{max(statements)}")


def run() -> None:
    print(f"audit — appends with the tree kept vs without ({APPENDS} each); "
          f"tree and proofs at {EVENTS:,} events")
    for name, make in scratch_databases():
        if ONLY and name != ONLY:
            continue
        url, _ = make()
        engine = make_engine(url)
        schema.upgrade(engine)
        try:
            store = EventStore(engine, registry())
            plain, kept = bench_appends(engine, store)
            print(f"  {name}: appends {plain:,.0f}/s plain, {kept:,.0f}/s with the tree kept "
                  f"current ({kept / plain:.0%}; goal ≥ 90%)")
        finally:
            engine.dispose()

        url, _ = make()
        engine = make_engine(url)
        schema.upgrade(engine)
        try:
            loaded = load_log(engine, EVENTS)
            print(f"    loaded {EVENTS:,} events in {loaded:.1f} s (raw driver)")
            t = time.perf_counter()
            blocks = tree.build(engine)
            built = time.perf_counter() - t
            print(f"    tree built from nothing (the upgrade): {built:.1f} s, {blocks:,} blocks "
                  f"(goal < 60 s)")
            t = time.perf_counter()
            assert tree.build(engine) == 0
            print(f"    tree already current: {(time.perf_counter() - t) * 1000:.1f} ms")
            bench_proofs(engine, EVENTS)
            t = time.perf_counter()
            recomputed = recomputed_root(engine, EVENTS)
            took = time.perf_counter() - t
            with engine.connect() as conn:
                assert recomputed == tree.TreeView(conn, EVENTS).root()
            print(f"    root recomputed from the events alone (audit verify --against): "
                  f"{took:.1f} s")
        finally:
            engine.dispose()
