"""Tasks (督办事项, issue 15): the task command mix against the problem mix, and the daily light
job over many open tasks.

commands: BENCH_COMMANDS commands through the handlers from BENCH_CLIENTS callers, a task mix
(feedback by the lead unit's reporter, urges, new tasks registered) next to the problem mix of
``bench.domain`` (notes and urges on dispatched problems), on each database in the same run.

lights: BENCH_TASKS (100,000) open tasks, then the ``overdue`` job on the day every one of them
turns yellow (not acknowledged within two working days: a light fact each, all in one
transaction), and again the next day (nothing changes: the usual daily run). SQLite; goal < 60 s.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from datetime import datetime, timezone

from app import schema
from app.bootstrap import bootstrap
from app.domain.actors import DISPATCHER, UNIT_REPORTER, Actor
from app.scheduler import JobSettings, run_job

from .domain import command as problem_command
from .domain import setup_world
from .scratch import scratch_databases

COMMANDS = int(os.environ.get("BENCH_COMMANDS", "3000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
ACTOR = Actor("bench", DISPATCHER)
REPORTERS = [Actor(f"rep{u}", UNIT_REPORTER, unit=f"U{u:02d}") for u in range(10)]


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now


def register(i: int) -> dict:
    return {"title": f"督办事项{i}", "source": "meeting", "lead_unit": f"U{i % 10:02d}",
            "co_units": [f"U{(i + 1) % 10:02d}"], "deadline": "2026-12-31",
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


def run() -> None:
    began = time.perf_counter()
    print(f"bench tasks: {COMMANDS} commands from {CLIENTS} callers, task mix against the problem "
          f"mix; the daily light job over {TASKS:,} open tasks (SQLite)", flush=True)
    lines = []
    for dialect, make in scratch_databases():
        tasks, problems = rate(make()[0], "tasks"), rate(make()[0], "problems")
        lines.append(f"{dialect:<11} commands/s: task mix {tasks:,.0f}, problem mix {problems:,.0f} "
                     f"({tasks / problems:.0%}; target >= 100% "
                     f"{'ok' if tasks >= problems else 'MISSED'})")
        print("  " + lines[-1], flush=True)
        if dialect == "sqlite":
            loaded, first_s, again_s, facts = bench_lights(make()[0])
            lines.append(f"{dialect:<11} light job over {TASKS:,} open tasks: {first_s:.1f} s when all "
                         f"change ({facts:,} facts), {again_s:.1f} s the next day (no change); "
                         f"target < 60 s {'ok' if max(first_s, again_s) < 60 else 'MISSED'} "
                         f"(tasks registered in {loaded:.0f} s)")
            print("  " + lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print(f"\n(finished in {time.perf_counter() - began:.0f} s)")
