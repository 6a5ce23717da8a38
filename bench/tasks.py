"""Tasks (督办事项): the task command mix against the problem mix, the daily light job over many
open tasks, and the task ledger page (督办台账) over as many.

commands: BENCH_COMMANDS commands through the handlers from BENCH_CLIENTS callers, a task mix
(feedback by the lead unit's reporter, urges, new tasks registered) next to the problem mix of
``bench.domain`` (notes and urges on dispatched problems), on each database, in turns
(BENCH_TASK_ROUNDS rounds of each, each on a fresh database): on a shared machine the two mixes
then meet the same load, and the ratio of their medians is the figure.

lights: BENCH_TASKS (100,000) open tasks registered through the bus (5,000 commands a
transaction), then the ``overdue`` job on the day every one of them turns yellow (not
acknowledged within two working days: a light fact each, all in one transaction), and again the
next day (nothing changes: the usual daily run). SQLite; goal < 60 s.

ledger: on the same database (the tasks and their light facts), the staff page 督办台账
(``/admin/tasks/``) rendered in process as a dispatcher, a unit reporter and a leader: the default
order (red first), filters, a search, a sort, a deep page; every render computes from the tables
(the page cache off, as the first view after an append). p95 over BENCH_LEDGER_ROUNDS rounds;
goal < 300 ms.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone

from app import create_app, schema
from app.bootstrap import bootstrap
from app.domain.actors import DISPATCHER, SYSTEM, UNIT_REPORTER, Actor
from app.domain.vocab import TASK_SOURCES
from app.scheduler import JobSettings, run_job

from .admin import _login, p95
from .domain import command as problem_command
from .domain import setup_world
from .scratch import scratch_databases

COMMANDS = int(os.environ.get("BENCH_COMMANDS", "3000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
ROUNDS = int(os.environ.get("BENCH_TASK_ROUNDS", "3"))
TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
LEDGER_ROUNDS = int(os.environ.get("BENCH_LEDGER_ROUNDS", "10"))
LEDGER_TARGET_MS = 300.0
ACTOR = Actor("bench", DISPATCHER)
REPORTERS = [Actor(f"rep{u}", UNIT_REPORTER, unit=f"U{u:02d}") for u in range(10)]
SOURCES = list(TASK_SOURCES)
LEADERS = ("张志强", "李文华", "王建国")
FIRST_DEADLINE = date(2026, 11, 20)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now


def register(i: int) -> dict:
    """The i-th task: sources, units, leaders, rhythms and deadlines (over seven months) vary."""
    return {"title": f"督办事项{i}", "source": SOURCES[i % len(SOURCES)] if i % 3 else "meeting",
            "lead_unit": f"U{i % 10:02d}", "co_units": [f"U{(i + 1) % 10:02d}"],
            "leader": LEADERS[i % 4] if i % 4 < 3 else None,
            "feedback_cycle": ("none", "weekly", "monthly")[i % 3], "key": i % 7 == 0,
            "deadline": (FIRST_DEADLINE + timedelta(days=i % 220)).isoformat(),
            "date": "2026-11-02"}


def units(svc) -> None:
    for u in range(10):
        svc.bus.execute("register_unit", {"code": f"U{u:02d}", "name": f"单位{u}",
                                          "kind": "township"}, ACTOR)


def task_world(svc, n: int = 200) -> list[str]:
    units(svc)
    ids = []
    for i in range(n):
        tid = svc.bus.execute("register_task", register(i), ACTOR)["id"]
        svc.bus.execute("acknowledge_task", {"id": tid, "date": "2026-11-03"}, REPORTERS[i % 10])
        ids.append(tid)
    return ids


def task_command(i: int, ids: list[str]) -> tuple[str, dict, Actor]:
    """The i-th command of the task mix: feedback (half), an urge, a new task."""
    kind = i % 4
    if kind < 2:
        j = i % len(ids)
        return "give_task_feedback", {"id": ids[j], "progress": "按计划推进", "date": "2026-11-20"}, \
            REPORTERS[j % 10]
    if kind == 2:
        return "urge_task", {"id": ids[i % len(ids)], "note": "请加快办理", "date": "2026-11-20"}, ACTOR
    return "register_task", register(i), ACTOR


def rate(url: str, mix: str) -> float:
    svc = bootstrap(url, clock=Clock(datetime(2026, 11, 25, 1, tzinfo=timezone.utc)))
    try:
        schema.upgrade(svc.engine)
        svc.projections.ensure(svc.store)
        if mix == "tasks":
            ids = task_world(svc)
            one = lambda i: task_command(i, ids)  # noqa: E731
        else:
            codes, pids = setup_world(svc, projects=20)
            # the problem mix: notes and urges (kinds 2 and 3 of bench.domain's mix)
            one = lambda i: (*problem_command(4 * (i // 2) + 2 + i % 2, codes, pids), ACTOR)  # noqa: E731
        failures: list[BaseException] = []

        def caller(first: int) -> None:
            try:
                for i in range(first, COMMANDS, CLIENTS):
                    name, body, actor = one(i)
                    svc.bus.execute(name, body, actor)
            except BaseException as exc:
                failures.append(exc)
        threads = [threading.Thread(target=caller, args=(c,)) for c in range(CLIENTS)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if failures:
            raise failures[0]
        return COMMANDS / (time.perf_counter() - t)
    finally:
        svc.engine.dispose()


def rates_in_turns(make) -> tuple[list[float], list[float]]:
    tasks, problems = [], []
    for _ in range(ROUNDS):
        tasks.append(rate(make()[0], "tasks"))
        problems.append(rate(make()[0], "problems"))
    return tasks, problems


def bench_lights(url: str) -> tuple[float, float, float, int]:
    """(seconds to register the tasks, first job run, next day's run, light facts recorded)."""
    clock = Clock(datetime(2026, 11, 2, 1, tzinfo=timezone.utc))
    svc = bootstrap(url, clock=clock)
    try:
        schema.upgrade(svc.engine)
        svc.projections.ensure(svc.store)
        units(svc)
        t = time.perf_counter()
        for start in range(0, TASKS, 5000):
            with svc.bus.unit_of_work(ACTOR) as uow:
                for i in range(start, min(start + 5000, TASKS)):
                    uow.execute("register_task", register(i))
        loaded = time.perf_counter() - t
        settings = JobSettings(database_url=url, instance_path=tempfile.mkdtemp())
        clock.now = datetime(2026, 11, 4, 16, 40, tzinfo=timezone.utc)  # 11-05 00:40 in Shanghai
        t = time.perf_counter()
        first = run_job(svc, "overdue", settings)
        first_s = time.perf_counter() - t
        clock.now = datetime(2026, 11, 5, 16, 40, tzinfo=timezone.utc)
        t = time.perf_counter()
        again = run_job(svc, "overdue", settings)
        again_s = time.perf_counter() - t
        assert first["outcome"] == again["outcome"] == "ok", (first, again)
        return loaded, first_s, again_s, first["events"]
    finally:
        svc.engine.dispose()


def ledger_pages() -> list[tuple[str, str]]:
    base = "/admin/tasks/"
    return [
        ("dispatcher", base), ("dispatcher", base + "?flt0_light=red"),
        ("dispatcher", base + "?flt0_light=yellow&flt1_source=meeting"),
        ("dispatcher", base + "?flt0_status=assigned&flt1_unit=U03"),
        ("dispatcher", base + "?flt0_key=1"), ("dispatcher", base + "?search=督办事项4242"),
        ("dispatcher", base + "?sort=7&desc=1"), ("dispatcher", base + "?page=2000"),
        ("reporter", base), ("reporter", base + "?flt0_light=red"), ("leader", base),
    ]


def bench_ledger(url: str) -> tuple[dict[tuple[str, str], list[float]], int]:
    """Render times of the task ledger page (ms) on the database the light job ran on."""
    day = Clock(datetime(2026, 12, 10, 1, tzinfo=timezone.utc))  # some deadlines passed: red
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": day,
                      "ADMIN_CACHE": False, "INSTANCE_PATH": tempfile.mkdtemp()})
    svc = app.extensions["duban"]
    try:
        for name, role, unit, shown in (("dispatcher", "dispatcher", None, None),
                                        ("reporter", "unit_reporter", "U03", None),
                                        ("leader", "leader", None, LEADERS[0])):
            svc.bus.execute("create_user", {"username": name, "password": "bench12345", "role": role,
                                            "unit": unit, "display_name": shown}, SYSTEM)
        clients = {}
        for name in ("dispatcher", "reporter", "leader"):
            clients[name] = app.test_client()
            _login(clients[name], name, "bench12345")
        plan = ledger_pages()
        times: dict[tuple[str, str], list[float]] = {k: [] for k in plan}
        for who, path in plan:  # warm-up: templates compiled
            r = clients[who].get(path)
            assert r.status_code == 200, (who, path, r.status_code)
            assert "督办事项" in r.text
        for _ in range(LEDGER_ROUNDS):
            for who, path in plan:
                t = time.perf_counter()
                clients[who].get(path)
                times[(who, path)].append((time.perf_counter() - t) * 1000)
        return times, svc.store.head()[0]
    finally:
        svc.engine.dispose()


def _rates_line(dialect: str, tasks: list[float], problems: list[float]) -> str:
    t, p = statistics.median(tasks), statistics.median(problems)
    each = ", ".join(f"{a:,.0f}/{b:,.0f}" for a, b in zip(tasks, problems))
    return (f"{dialect:<11} commands/s, median of {len(tasks)} rounds in turns: task mix {t:,.0f}, "
            f"problem mix {p:,.0f} ({t / p:.0%}; target >= 100% {'ok' if t >= p else 'MISSED'}; "
            f"each round task/problem: {each})")


def run() -> None:
    began = time.perf_counter()
    print(f"bench tasks: {COMMANDS} commands from {CLIENTS} callers, task mix against the problem "
          f"mix ({ROUNDS} rounds in turns); the daily light job and the task ledger page over "
          f"{TASKS:,} tasks (SQLite); load {os.getloadavg()[0]:.1f}", flush=True)
    lines = []
    for dialect, make in scratch_databases():
        lines.append(_rates_line(dialect, *rates_in_turns(make)))
        print("  " + lines[-1], flush=True)
        if dialect == "sqlite":
            url = make()[0]
            loaded, first_s, again_s, facts = bench_lights(url)
            lines.append(f"{dialect:<11} light job over {TASKS:,} open tasks: {first_s:.1f} s when all "
                         f"change ({facts:,} facts), {again_s:.1f} s the next day (no change); "
                         f"target < 60 s {'ok' if max(first_s, again_s) < 60 else 'MISSED'} "
                         f"(tasks registered in {loaded:.0f} s); load {os.getloadavg()[0]:.1f}")
            print("  " + lines[-1], flush=True)
            times, events = bench_ledger(url)
            for (who, path), values in times.items():
                print(f"    {who + ' ' + path:<70} p50 {statistics.median(values):6.1f} "
                      f"p95 {p95(values):6.1f} ms", flush=True)
            every = [v for values in times.values() for v in values]
            overall = p95(every)
            lines.append(f"{dialect:<11} task ledger page over {TASKS:,} tasks ({events:,} events): "
                         f"{len(every)} renders, p50 {statistics.median(every):.0f} ms, p95 "
                         f"{overall:.0f} ms (target < {LEDGER_TARGET_MS:.0f} ms "
                         f"{'ok' if overall < LEDGER_TARGET_MS else 'MISSED'}); "
                         f"load {os.getloadavg()[0]:.1f}")
            print("  " + lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print(f"\n(finished in {time.perf_counter() - began:.0f} s)")
