"""Admin page render times (issue 4): the demonstration district plus 100,000 extra problems.

Pages are requested in process through Flask's test client, logged in as each role, so the
figure is the server's work (routing, SQL, templates) without the network. Each page is
rendered ROUNDS times after a warm-up; the p95 over all renders is held against the target.

The extra problems are appended as valid events through the event store (payloads checked by
the registry, projections updated in the same transaction), in batches, not one command per
transaction: the handlers' own speed is issue 3's benchmark, not this one.

Sizes: BENCH_ADMIN_PROBLEMS (default 100000), BENCH_ADMIN_ROUNDS (default 20);
BENCH_ADMIN_DB: a database URL to use instead of a scratch SQLite file (it must be empty).
"""
from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import select

from app import create_app, schema
from app.demo.load import load_demo
from app.domain.actors import DISPATCHER
from app.events.model import Metadata, NewEvent
from app.projections.projects import projects
from app.projections.sequences import next_number

PROBLEMS = int(os.environ.get("BENCH_ADMIN_PROBLEMS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ADMIN_ROUNDS", "20"))
TARGET_MS = 300.0
BATCH = 2000
CATEGORIES = ("preliminary", "design_change", "funding", "land", "demolition", "environment",
              "construction", "other")
# how a generated problem's life ends (weights): most are long resolved, as in a ledger years old
ENDINGS = (("resolved", 60), ("awaiting", 12), ("in_progress", 18), ("raised", 5), ("withdrawn", 5))


def _life(rng: random.Random, pid: str, project: str, unit: str, start: date) -> list[NewEvent]:
    ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    day = start
    evs = [NewEvent("ProblemRaised", {"id": pid, "category": rng.choice(CATEGORIES),
                                      "description": f"压测问题 {pid}：用地、资金等要素保障不足",
                                      "source": rng.choice(("unit_report", "meeting")),
                                      "project": project, "inspection": None, "unit": unit}, day)]
    if ending in ("raised", "withdrawn") and rng.random() < 0.7:
        if ending == "withdrawn":
            evs.append(NewEvent("ProblemWithdrawn", {"reason": "重复上报"}, day))
        return evs
    level = rng.choice((1, 1, 1, 2, 2, 3))
    day += timedelta(days=rng.randint(0, 5))
    deadline = (day + timedelta(days=rng.randint(10, 60))).isoformat()
    evs.append(NewEvent("ProblemDispatched", {
        "level": level, "decision": "责成责任单位限期解决", "responsible_unit": unit,
        "responsible_person": "张三", "leader": None, "meeting": None, "deadline": deadline}, day))
    if level < 3 and rng.random() < 0.2:
        evs.append(NewEvent("ProblemEscalated", {"from_level": level, "to_level": level + 1,
                                                 "reason": "协调未果"}, day))
    if ending in ("resolved", "awaiting"):
        day += timedelta(days=rng.randint(3, 40))
        evs.append(NewEvent("ResolutionReported", {"description": "已解决"}, day))
    if ending == "resolved":
        evs.append(NewEvent("ResolutionVerified", {"note": "同意销号"}, day))
    return evs


def add_problems(svc, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    with svc.engine.connect() as conn:
        pairs = [(r.code, r.responsible_unit) for r in conn.execute(
            select(projects.c.code, projects.c.responsible_unit).where(projects.c.stage != "reserve"))]
        first = next_number(conn, "problem")
    meta = Metadata(actor="bench", role=DISPATCHER, extra={"command": "bench"})
    started = time.perf_counter()
    for lo in range(0, n, BATCH):
        with svc.store.transaction() as tx:
            for i in range(lo, min(lo + BATCH, n)):
                pid = f"P{first + i:05d}"
                project, unit = rng.choice(pairs)
                start = date(2019, 1, 2) + timedelta(days=rng.randint(0, 170))
                tx.append(f"problem:{pid}", "problem", _life(rng, pid, project, unit, start), 0, meta)
    return time.perf_counter() - started


def _login(client, username: str, password: str) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, f"login as {username} failed"


def pages(pid: str, code: str) -> list[tuple[str, str]]:
    return [
        ("dispatcher", "/admin/"), ("reporter", "/admin/"), ("leader", "/admin/"),
        ("inspector", "/admin/"),
        ("dispatcher", "/admin/projects/"), ("reporter", "/admin/projects/"),
        ("dispatcher", "/admin/problems/"), ("reporter", "/admin/problems/"),
        ("dispatcher", "/admin/problems/?flt0_status=in_progress&flt1_overdue=1"),
        ("dispatcher", "/admin/problems/?search=" + pid), ("dispatcher", "/admin/problems/?sort=10&desc=1"),
        ("dispatcher", "/admin/problems/?page=2000"),
        ("dispatcher", "/admin/rectification/"), ("dispatcher", "/admin/dispatch-stats/"),
        ("dispatcher", "/admin/double-half/"), ("dispatcher", "/admin/reserve/"),
        ("dispatcher", f"/admin/problem-timeline/?id={pid}"),
        ("dispatcher", f"/admin/project-timeline/?code={code}"),
        ("dispatcher", f"/admin/commands/dispatch_problem/?id={pid}"),
        ("inspector", "/admin/audit/"), ("inspector", "/admin/audit/?type=ProblemEscalated"),
        ("inspector", f"/admin/audit/?stream=problem:{pid}"),
        ("anonymous", "/led"),
    ]


def measure(app, plan: list[tuple[str, str]], rounds: int) -> dict[tuple[str, str], list[float]]:
    users = {"dispatcher": "dispatcher123", "reporter": "reporter123", "leader": "leader123",
             "inspector": "inspector123"}
    clients = {"anonymous": app.test_client()}
    for name, pw in users.items():
        clients[name] = app.test_client()
        _login(clients[name], name, pw)
    times: dict[tuple[str, str], list[float]] = {k: [] for k in plan}
    for who, path in plan:  # warm-up: templates compiled, caches filled
        status = clients[who].get(path).status_code
        assert status == 200, (who, path, status)
    for _ in range(rounds):
        for who, path in plan:
            t = time.perf_counter()
            clients[who].get(path)
            times[(who, path)].append((time.perf_counter() - t) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def run() -> None:
    tmp = tempfile.mkdtemp(prefix="duban-bench-admin-")
    url = os.environ.get("BENCH_ADMIN_DB") or f"sqlite:///{tmp}/bench.sqlite3"
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        svc = app.extensions["duban"]
        schema.upgrade(svc.engine)
        svc.projections.ensure(svc.store)
        t = time.perf_counter()
        load_demo(svc, show_progress=False)
        print(f"admin pages on {svc.engine.dialect.name}: demo loaded in {time.perf_counter() - t:.1f} s")
        seconds = add_problems(svc, PROBLEMS)
        print(f"  + {PROBLEMS:,} problems appended in {seconds:.1f} s; "
              f"{svc.store.head()[0]:,} events in all")
        plan = pages("P00031", "ZD2019021")
        # cold: every render computes from the tables, as the first view after an append does;
        # warm: results kept per head position, as every later view until the next append
        results = {}
        for label, cache in (("cold", False), ("warm", True)):
            app.config["ADMIN_CACHE"] = cache
            results[label] = measure(app, plan, ROUNDS)
        print(f"  {'page':<62} {'cold p50':>9} {'cold p95':>9} {'warm p95':>9}  (ms)")
        for key in plan:
            cold, warm = results["cold"][key], results["warm"][key]
            print(f"  {key[0] + ' ' + key[1]:<62.62} {statistics.median(cold):9.1f} "
                  f"{p95(cold):9.1f} {p95(warm):9.1f}")
        for label, times in results.items():
            every = [v for values in times.values() for v in values]
            overall = p95(every)
            print(f"  all pages, {label}: {len(every)} renders, p50 {statistics.median(every):.1f} ms, "
                  f"p95 {overall:.1f} ms (target < {TARGET_MS:.0f} ms: "
                  f"{'met' if overall < TARGET_MS else 'NOT met'})")
        client = app.test_client()
        _login(client, "dispatcher", "dispatcher123")
        for label, path in (("xlsx export of the whole problem ledger", "/admin/problems/export/xlsx/"),
                            ("problem ledger as of an instant (first: snapshot rebuilt)",
                             "/admin/problems/?as_of=2100-01-01T00:00:00"),
                            ("the same again (snapshot cached)",
                             "/admin/problems/?as_of=2100-01-01T00:00:00")):
            t = time.perf_counter()
            status = client.get(path).status_code
            print(f"  {label}: {(time.perf_counter() - t) * 1000:,.0f} ms (status {status})")
        svc.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run()
