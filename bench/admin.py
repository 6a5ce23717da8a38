"""Admin page render times (issue 4): the demonstration district plus 100,000 extra problems.

Pages are requested in process through Flask's test client, logged in as each role, so the
figure is the server's work (routing, SQL, templates) without the network. Each page is
rendered ROUNDS times after a warm-up; the p95 over all renders is held against the target.

The extra problems are recorded through their commands, in units of work of BATCH problems, not
one command per transaction: the handlers' own speed under commits is bench domain's, not this
one's.

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
from app.domain.actors import DISPATCHER, Actor
from app.projections.projects import projects

PROBLEMS = int(os.environ.get("BENCH_ADMIN_PROBLEMS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ADMIN_ROUNDS", "20"))
TARGET_MS = 300.0
BATCH = 2000
CATEGORIES = ("preliminary", "design_change", "funding", "land", "demolition", "environment",
              "construction", "other")
# how a generated problem's life ends (weights): most are long resolved, as in a ledger years old
ENDINGS = (("resolved", 60), ("awaiting", 12), ("in_progress", 18), ("raised", 5), ("withdrawn", 5))
DISPATCHING = Actor("bench", DISPATCHER)
VERIFYING = Actor("bench-verifier", DISPATCHER)


def _life(rng: random.Random, project: str, unit: str,
          start: date) -> list[tuple[str, dict, Actor]]:
    """A problem's commands, from its raising on, each with its actor (``id`` left for the one the
    raising gives)."""
    ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    day = start
    out = [("raise_problem", {"category": rng.choice(CATEGORIES),
                              "description": "压测问题：用地、资金等要素保障不足",
                              "source": rng.choice(("unit_report", "meeting")),
                              "project": project, "date": day.isoformat()}, DISPATCHING)]
    if ending in ("raised", "withdrawn") and rng.random() < 0.7:
        if ending == "withdrawn":
            out.append(("withdraw_problem", {"reason": "重复上报", "date": day.isoformat()},
                        DISPATCHING))
        return out
    level = rng.choice((1, 1, 1, 2, 2, 3))
    day += timedelta(days=rng.randint(0, 5))
    deadline = day + timedelta(days=rng.randint(10, 60))
    out.append(("dispatch_problem", {
        "level": level, "decision": "协调解决", "responsible_unit": unit,
        "responsible_person": "张三", "deadline": deadline.isoformat(), "date": day.isoformat()},
        DISPATCHING))
    if level < 3 and rng.random() < 0.2:
        out.append(("escalate_problem", {"reason": "协调未果", "date": day.isoformat()},
                    DISPATCHING))
    if ending in ("resolved", "awaiting"):
        day += timedelta(days=rng.randint(3, 40))
        out.append(("report_resolution", {"description": "已解决", "date": day.isoformat()},
                    DISPATCHING))
    if ending == "resolved":
        # verified by another person than the one who reported the resolution
        out.append(("verify_resolution", {"note": "同意销号", "date": day.isoformat()},
                    VERIFYING))
    return out


def add_problems(svc, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    with svc.engine.connect() as conn:
        pairs = [(r.code, r.responsible_unit) for r in conn.execute(
            select(projects.c.code, projects.c.responsible_unit).where(projects.c.stage != "reserve"))]
    started = time.perf_counter()
    for lo in range(0, n, BATCH):
        with svc.bus.unit_of_work(DISPATCHING) as uow:
            for _ in range(lo, min(lo + BATCH, n)):
                project, unit = rng.choice(pairs)
                start = date(2019, 1, 2) + timedelta(days=rng.randint(0, 170))
                (raise_, payload, actor), *rest = _life(rng, project, unit, start)
                pid = uow.execute(raise_, payload, actor=actor)["id"]
                for command, payload, actor in rest:
                    uow.execute(command, {"id": pid, **payload}, actor=actor)
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
        print(f"  + {PROBLEMS:,} problems recorded in {seconds:.1f} s; "
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
