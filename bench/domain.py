"""The domain's throughput (issue 3), on SQLite and on PostgreSQL.

commands: commands per second through the handler layer, in process (no HTTP): each command
validates its payload, loads its stream, decides, appends and updates every projection in one
transaction. A mix of monthly progress (with corrections), problem notes and urges, from
BENCH_CLIENTS callers at once (8: a web server's threads; the throughput the targets are read
against), then from one caller alone (its latency: one commit, flush included, per command).

rebuild: BENCH_REBUILD_EVENTS (default 1,000,000) realistic events — units, projects with plans
and two years of monthly progress, problems dispatched, escalated, noted, urged, resolved and
verified, meetings — rebuilt into all projections, next to the raw driver reading and decoding
the same events (stdlib sqlite3 / psycopg, json.loads of each payload) in the same run.
"""
from __future__ import annotations

import json
import os
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from app import schema
from app.bootstrap import bootstrap
from app.domain.actors import DISPATCHER, Actor
from app.events.chain import GENESIS_HASH, canonical_json, event_hash
from app.events.model import format_instant

from .scratch import scratch_databases

COMMANDS = int(os.environ.get("BENCH_COMMANDS", "3000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
REBUILD_EVENTS = int(os.environ.get("BENCH_REBUILD_EVENTS", "1000000"))
TARGETS = {"commands": {"sqlite": 3000, "postgresql": 1000}, "rebuild_ratio": 0.25,
           "rebuild_seconds_sqlite": 20}
ACTOR = Actor("bench", DISPATCHER)


# -- commands through the handlers -----------------------------------------------------------
def setup_world(svc, projects: int = 200, problems: int = 200) -> tuple[list[str], list[str]]:
    run = svc.bus.execute
    for u in range(10):
        run("register_unit", {"code": f"U{u:02d}", "name": f"单位{u}", "kind": "township"}, ACTOR)
    codes = []
    for p in range(projects):
        code = f"XM{p:04d}"
        run("register_project", {"code": code, "name": f"重大项目{p}", "category": "district",
                                 "stage": "continuing", "owner_unit": f"U{p % 10:02d}",
                                 "responsible_unit": f"U{p % 10:02d}", "total_investment": 10000.0,
                                 "leader": "张志强", "date": "2026-01-05"}, ACTOR)
        run("set_annual_plan", {"code": code, "year": 2026, "planned_investment": 3000.0}, ACTOR)
        codes.append(code)
    ids = []
    for q in range(problems):
        r = run("raise_problem", {"category": "funding", "description": "资金缺口",
                                  "source": "meeting", "project": codes[q % projects],
                                  "date": "2026-02-01"}, ACTOR)
        run("dispatch_problem", {"id": r["id"], "level": 1, "decision": "限期筹措资金",
                                 "responsible_unit": f"U{q % 10:02d}", "deadline": "2026-12-31",
                                 "date": "2026-02-02"}, ACTOR)
        ids.append(r["id"])
    return codes, ids


def command(i: int, codes: list[str], ids: list[str]) -> tuple[str, dict]:
    """The i-th command of the mix: monthly progress (half of them), a note, an urge."""
    kind = i % 4
    if kind < 2:
        return "submit_progress", {"code": codes[i % len(codes)],
                                   "period": f"2026-{(i // len(codes)) % 10 + 1:02d}",
                                   "month_investment": 250.0 + i % 7,
                                   "image_progress": "主体结构施工", "reason": "数据更正",
                                   "date": "2026-11-20"}
    if kind == 2:
        return "note_problem", {"id": ids[i % len(ids)], "note": "已召开协调会", "date": "2026-11-20"}
    return "urge_problem", {"id": ids[i % len(ids)], "note": "请加快办理", "date": "2026-11-20"}


def bench_commands(url: str, clients: int) -> float:
    """Commands/s with this many callers, each sending its commands one after another (the
    callers of a web server's threads); with more than one, commands arriving together share a
    commit (app/commands/group.py). The target is read against the throughput of many callers."""
    svc = bootstrap(url)
    try:
        schema.upgrade(svc.engine)
        svc.projections.ensure(svc.store)
        codes, ids = setup_world(svc)
        run = svc.bus.execute
        failures: list[BaseException] = []

        def caller(first: int) -> None:
            try:
                for i in range(first, COMMANDS, clients):
                    run(*command(i, codes, ids), ACTOR)
            except BaseException as exc:
                failures.append(exc)
        threads = [threading.Thread(target=caller, args=(c,)) for c in range(clients)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        if failures:
            raise failures[0]
        return COMMANDS / elapsed
    finally:
        svc.engine.dispose()


# -- a million events ------------------------------------------------------------------------
def domain_events(limit: int) -> Iterator[tuple[str, str, str, dict, str]]:
    """(stream_id, stream_type, type, data, business_date) of a district growing for years."""
    n = 0
    start = date(2024, 1, 1)
    units = [f"U{u:03d}" for u in range(100)]
    for u in units:
        yield f"unit:{u}", "unit", "UnitRegistered", {"code": u, "name": f"单位{u}",
                                                     "kind": "township"}, "2024-01-02"
        yield f"unit:{u}", "unit", "InvestmentTaskSet", {"unit": u, "year": 2025,
                                                        "amount": 50000.0}, "2025-01-03"
        n += 2
    p = q = 0
    while n < limit:
        code = f"XM{p:06d}"
        stream = f"project:{code}"
        unit = units[p % 100]
        yield stream, "project", "ProjectRegistered", {
            "code": code, "name": f"重大项目{p}", "category": "district", "stage": "planned_new",
            "owner_unit": unit, "responsible_unit": unit, "total_investment": 20000.0,
            "leader": None, "planned_start": "2025-03-01"}, "2024-12-20"
        yield stream, "project", "AnnualPlanSet", {"project": code, "year": 2025,
                                                   "planned_investment": 6000.0}, "2025-01-05"
        yield stream, "project", "LeaderAssigned", {"project": code, "leader": f"领导{p % 9}",
                                                    "previous": None}, "2025-01-06"
        yield stream, "project", "StageChanged", {"project": code, "stage": "new_start",
                                                  "previous": "planned_new"}, "2025-03-02"
        n += 4
        for m in range(20):
            period = f"{2025 + m // 12}-{m % 12 + 1:02d}"
            yield stream, "project", "ProgressSubmitted", {
                "project": code, "period": period, "month_investment": 300.0 + m,
                "image_progress": f"形象进度约{m * 5}%", "corrects": 0, "reason": None}, period + "-25"
            n += 1
        yield stream, "project", "StatsEntryRecorded", {"project": code}, "2025-04-01"
        n += 1
        for _ in range(2):  # two problems per project
            pid = f"P{q:07d}"
            ps = f"problem:{pid}"
            day = (start + timedelta(days=q % 600)).isoformat()
            yield ps, "problem", "ProblemRaised", {"id": pid, "category": "land",
                                                   "description": "用地指标不足", "source": "meeting",
                                                   "project": code, "inspection": None,
                                                   "unit": unit}, day
            yield ps, "problem", "ProblemDispatched", {
                "level": 1, "decision": "协调用地指标", "responsible_unit": unit,
                "responsible_person": "李明", "leader": f"领导{p % 9}", "meeting": None,
                "deadline": "2026-06-30"}, day
            yield ps, "problem", "ProblemNoted", {"note": "已上报自然资源部门"}, day
            yield ps, "problem", "ProblemUrged", {"note": "请加快办理"}, day
            yield ps, "problem", "ProblemEscalated", {"from_level": 1, "to_level": 2,
                                                      "reason": "一级调度未能解决"}, day
            yield ps, "problem", "ResolutionReported", {"description": "指标已落实"}, day
            yield ps, "problem", "ResolutionVerified", {"note": "核验通过，予以销号"}, day
            n += 7
            q += 1
        p += 1


def chained_rows(limit: int) -> Iterator[tuple]:
    versions: dict[str, int] = {}
    prev = GENESIS_HASH
    meta = canonical_json({"actor": "bench", "role": "dispatcher", "unit": None, "command_id": None,
                           "correlation_id": None, "causation_id": None, "client_address": None})
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for position, (stream, stype, etype, data, day) in enumerate(domain_events(limit), start=1):
        if position > limit:
            return
        version = versions[stream] = versions.get(stream, 0) + 1
        recorded = format_instant(at + timedelta(milliseconds=position))
        text = canonical_json(data)
        h = event_hash(position, stream, stype, version, etype, 1, text, meta, day, recorded, prev)
        yield (position, stream, stype, version, etype, 1, text, meta, day, recorded, prev, h)
        prev = h


COLUMNS = ("position", "stream_id", "stream_type", "version", "type", "schema_version", "data",
           "meta", "business_date", "recorded_at", "prev_hash", "hash")


def load_events(dialect: str, raw, limit: int) -> None:
    rows = chained_rows(limit)
    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    else:
        sql = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50000:
                raw.executemany(sql, batch)
                batch.clear()
        raw.executemany(sql, batch)
    raw.commit()


def raw_read_decode(raw) -> tuple[int, float]:
    t = time.perf_counter()
    n = 0
    loads = json.loads
    cur = raw.cursor()
    cur.execute(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY position")
    while True:
        chunk = cur.fetchmany(5000)
        if not chunk:
            break
        for row in chunk:
            loads(row[6])
            n += 1
    raw.commit()
    return n, time.perf_counter() - t


def bench_rebuild(url: str, raw_connect, dialect: str) -> tuple[int, float, float]:
    svc = bootstrap(url)
    try:
        schema.upgrade(svc.engine)
        raw = raw_connect()
        t = time.perf_counter()
        load_events(dialect, raw, REBUILD_EVENTS)
        print(f"  {dialect}: {REBUILD_EVENTS:,} events written in {time.perf_counter() - t:.0f} s",
              flush=True)
        n, raw_s = raw_read_decode(raw)
        raw.close()
        t = time.perf_counter()
        rebuilt = svc.projections.rebuild(svc.store)
        rebuild_s = time.perf_counter() - t
        assert rebuilt == n, (rebuilt, n)
        return n, rebuild_s, raw_s
    finally:
        svc.engine.dispose()


def run() -> None:
    began = time.perf_counter()
    print(f"bench domain: {COMMANDS} commands through the handlers; a rebuild of "
          f"{REBUILD_EVENTS:,} events into all projections", flush=True)
    lines = []
    for dialect, make in scratch_databases():
        target = TARGETS["commands"][dialect]
        for clients in (CLIENTS, 1):
            rate = bench_commands(make()[0], clients)
            if clients == 1:
                # one caller waits for each commit, its flush to disk included, before sending the
                # next command: this rate is one over a command's latency, not what the process
                # can take in, and the target is not read against it
                verdict = f"({1e6 / rate:,.0f} µs per command)"
                label = "1 caller, one commit each"
            else:
                verdict = f"target >= {target:,} {'ok' if rate >= target else 'MISSED'}"
                label = f"{clients} callers, shared commits"
            lines.append(f"{dialect:<11} commands/s ({label}) {rate:>9,.0f}   {verdict}")
            print("  " + lines[-1], flush=True)
        n, rebuild_s, raw_s = bench_rebuild(*make(), dialect)
        ratio = raw_s / rebuild_s
        ok = ratio >= TARGETS["rebuild_ratio"] and (
            dialect != "sqlite" or rebuild_s < TARGETS["rebuild_seconds_sqlite"])
        lines.append(f"{dialect:<11} rebuild {n:,} events: {rebuild_s:.1f} s = {n / rebuild_s:,.0f}/s;"
                     f" raw read+decode {n / raw_s:,.0f}/s; ratio {ratio:.0%} "
                     f"(target >= 25%{', < 20 s' if dialect == 'sqlite' else ''}) "
                     f"{'ok' if ok else 'MISSED'}")
        print("  " + lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print(f"\n(finished in {time.perf_counter() - began:.0f} s)")
