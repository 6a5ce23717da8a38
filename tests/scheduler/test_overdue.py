"""The daily overdue job: one fact per problem and deadline, a new clock after an extension."""
from __future__ import annotations

from tests.scheduler.conftest import at, do, events_of, open_problem, project, runs, unit


def overdue_facts(svc) -> list[tuple[str, str]]:
    return [(e.stream_id, e.data["deadline"]) for e in events_of(svc, "ProblemOverdue")]


def test_overdue_once_per_deadline(services, clock, run):
    at(clock, "2019-06-01 10:00")
    unit(services, "U01", "城南镇")
    project(services, "XM01", "U01")
    late = open_problem(services, "2019-06-10")
    not_yet = open_problem(services, "2019-06-20")
    resolved = open_problem(services, "2019-06-05")
    do(services, "report_resolution", id=resolved, description="资金已到位")
    do(services, "verify_resolution", id=resolved, note="核实销号")
    withdrawn = open_problem(services, "2019-06-05")
    do(services, "withdraw_problem", id=withdrawn, reason="重复登记")
    waiting = open_problem(services, "2019-06-08")
    do(services, "report_resolution", id=waiting, description="已解决，待核验")

    at(clock, "2019-06-10 23:59")  # the deadline day itself is not late yet
    first = run("overdue")
    assert first["outcome"] == "ok" and first["events"] == 1
    assert overdue_facts(services) == [(f"problem:{waiting}", "2019-06-08")]

    # 2019-06-10 16:30 UTC is already 06-11 in Asia/Shanghai: days are counted in TZ_NAME
    at(clock, "2019-06-11 00:30")
    assert run("overdue")["events"] == 1
    assert overdue_facts(services) == [(f"problem:{waiting}", "2019-06-08"),
                                       (f"problem:{late}", "2019-06-10")]
    fact = events_of(services, "ProblemOverdue")[-1]
    assert fact.meta["actor"] == "system" and fact.meta["job"] == "overdue"
    assert fact.business_date == "2019-06-11"

    again = run("overdue")  # idempotent: the same day, and the days after
    at(clock, "2019-06-15 00:30")
    later = run("overdue")
    assert again["outcome"] == later["outcome"] == "ok"
    assert again["events"] == later["events"] == 0
    assert len(overdue_facts(services)) == 2
    assert not_yet not in {s.split(":")[1] for s, _ in overdue_facts(services)}
    assert [r.outcome for r in runs(services, "overdue")] == ["ok"] * 4


def test_extended_deadline_starts_a_new_clock(services, clock, run):
    at(clock, "2019-06-01 10:00")
    unit(services, "U01", "城南镇")
    project(services, "XM01", "U01")
    pid = open_problem(services, "2019-06-10")
    at(clock, "2019-06-11 00:30")
    run("overdue")
    at(clock, "2019-06-12 09:00")
    do(services, "extend_deadline", id=pid, deadline="2019-06-30", reason="征地手续延后")
    at(clock, "2019-06-30 12:00")
    assert run("overdue")["events"] == 0  # the new deadline has not passed
    at(clock, "2019-07-01 00:30")
    assert run("overdue")["events"] == 1
    assert run("overdue")["events"] == 0
    assert overdue_facts(services) == [(f"problem:{pid}", "2019-06-10"),
                                       (f"problem:{pid}", "2019-06-30")]


def test_overdue_shows_in_the_problem_ledger(app, client, clock, app_run):
    from tests.conftest import make_user, token_for

    svc = app.extensions["duban"]
    at(clock, "2019-06-01 10:00")
    unit(svc, "U01", "城南镇")
    project(svc, "XM01", "U01")
    pid = open_problem(svc, "2019-06-10")
    at(clock, "2019-06-13 00:30")
    assert app_run("overdue")["events"] == 1
    make_user(svc, "disp", "dispatcher")
    body = client.get(f"/api/v1/problems/{pid}", headers=token_for(client, "disp")).get_json()
    assert body["overdue"]
