"""The overdue job records each change of a task's light once, all or nothing."""
from __future__ import annotations


from app.domain.actors import UNIT_REPORTER, Actor
from tests.scheduler.conftest import at, do, events_of, runs, unit

REP = Actor("rep", UNIT_REPORTER, unit="U01")


def lights(svc) -> list[tuple[str, str | None, str | None, str]]:
    return [(e.stream_id, e.data["previous"], e.data["light"], e.business_date)
            for e in events_of(svc, "TaskLightChanged")]


def task(svc, deadline: str, **extra) -> str:
    return do(svc, "register_task", title="报送十四五项目清单", source="superior", lead_unit="U01",
              deadline=deadline, **extra)["id"]


def test_light_changes_are_recorded_once(services, clock, run):
    at(clock, "2025-09-26 10:00")  # a Friday
    unit(services, "U01", "区住建局")
    near = task(services, "2025-10-09")  # just after the National Day week
    far = task(services, "2025-12-31")
    services.bus.execute("acknowledge_task", {"id": near}, REP)
    services.bus.execute("acknowledge_task", {"id": far}, REP)
    done = task(services, "2025-12-31")
    at(clock, "2025-09-28 00:30")  # a worked Sunday: 09-29, 09-30, 10-09 left
    assert run("overdue")["events"] == 1
    assert lights(services) == [(f"task:{near}", "green", "yellow", "2025-09-28")]
    assert run("overdue")["events"] == 0  # idempotent
    at(clock, "2025-09-30 00:30")  # `done` not acknowledged after 09-28 and 09-29... and 09-30
    assert run("overdue")["events"] == 1
    assert lights(services)[-1] == (f"task:{done}", "green", "yellow", "2025-09-30")
    services.bus.execute("acknowledge_task", {"id": done}, REP)
    services.bus.execute("report_task_completion", {"id": done, "report": "已报送"}, REP)
    do(services, "accept_task_completion", id=done, note="同意销号")
    at(clock, "2025-10-10 00:30")
    assert run("overdue")["events"] == 2
    assert sorted(lights(services)[-2:]) == [(f"task:{near}", "yellow", "red", "2025-10-10"),
                                             (f"task:{done}", "yellow", None, "2025-10-10")]
    assert run("overdue")["events"] == 0
    assert far not in {s for s, *_ in lights(services)}
    fact = events_of(services, "TaskLightChanged")[-1]
    assert fact.meta["actor"] == "system" and fact.meta["job"] == "overdue"
    assert [r.outcome for r in runs(services, "overdue")] == ["ok"] * 5


def test_a_failing_run_records_nothing(services, clock, run, monkeypatch):
    at(clock, "2025-09-26 10:00")
    unit(services, "U01", "区住建局")
    task(services, "2025-09-30")
    task(services, "2025-09-30")
    at(clock, "2025-10-10 00:30")
    from app.commands import tasks as handlers

    real, calls = handlers.record_light, []

    def flaky(ctx, cmd):
        calls.append(cmd["id"])
        if len(calls) == 2:
            raise RuntimeError("磁盘已满")
        return real(ctx, cmd)

    spec = services.commands["record_task_light"]
    monkeypatch.setattr(spec, "handler", flaky)
    assert run("overdue")["outcome"] == "failed"
    assert lights(services) == []
    monkeypatch.setattr(spec, "handler", real)
    assert run("overdue")["events"] == 2
