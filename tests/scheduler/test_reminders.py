"""Monthly reminders (催报): to-dos per unit from REMINDER_DAY, units still missing flagged from FLAG_DAY."""
from __future__ import annotations

from tests.conftest import make_user, token_for
from tests.scheduler.conftest import at, events_of, progress, project, unit


def build(svc, clock) -> None:
    at(clock, "2019-06-20 10:00")
    unit(svc, "U01", "城南镇")
    unit(svc, "U02", "城北镇")
    unit(svc, "U03", "区发改局", kind="department")
    project(svc, "XM01", "U01", name="城南污水处理厂")
    project(svc, "XM02", "U01", stage="new_start", name="城南小学迁建")
    project(svc, "XM03", "U02", stage="preliminary", name="城北物流园")
    project(svc, "XM04", "U03", stage="reserve", name="储备项目")
    project(svc, "XM05", "U03", stage="completed", name="已竣工项目")
    progress(svc, "XM02", "2019-06", 120)
    at(clock, "2019-07-02 10:00")
    # registered in July: owes nothing for June
    project(svc, "XM06", "U02", name="城北新建项目", date="2019-07-02")


def reminders(svc):
    return [(e.data["unit"], [p["project"] for p in e.data["projects"]])
            for e in events_of(svc, "ProgressReminderIssued")]


def test_reminders_then_flag(services, clock, run):
    build(services, clock)
    at(clock, "2019-07-04 08:30")
    early = run("reminders")
    assert early["outcome"] == "ok" and early["events"] == 0 and "未到催报日" in early["summary"]

    at(clock, "2019-07-05 08:30")
    assert run("reminders")["events"] == 2
    assert reminders(services) == [("U01", ["XM01"]), ("U02", ["XM03"])]
    first = events_of(services, "ProgressReminderIssued")[0]
    assert first.stream_id == "job:reminders:2019-06" and first.data["period"] == "2019-06"
    assert first.data["unit_name"] == "城南镇" and first.meta["actor"] == "system"
    assert run("reminders")["events"] == 0  # idempotent

    at(clock, "2019-07-08 15:00")
    progress(services, "XM03", "2019-06", 80)  # U02 catches up
    at(clock, "2019-07-09 08:30")
    assert run("reminders")["events"] == 0  # before FLAG_DAY: nothing to flag yet

    at(clock, "2019-07-10 08:30")
    assert run("reminders")["events"] == 1
    [flag] = events_of(services, "MissingReportsFlagged")
    assert flag.stream_id == "job:reminders:2019-06"
    assert flag.data == {"period": "2019-06", "units": [
        {"unit": "U01", "unit_name": "城南镇", "projects": ["XM01"]}]}
    at(clock, "2019-07-11 08:30")
    assert run("reminders")["events"] == 0
    assert len(events_of(services, "ProgressReminderIssued", "MissingReportsFlagged")) == 3


def test_reminded_units_get_a_day_before_being_flagged(services, clock, run):
    build(services, clock)
    at(clock, "2019-07-12 08:30")  # the scheduler was down until after FLAG_DAY
    assert run("reminders")["events"] == 2
    assert events_of(services, "MissingReportsFlagged") == []
    at(clock, "2019-07-13 08:30")
    assert run("reminders")["events"] == 1
    [flag] = events_of(services, "MissingReportsFlagged")
    assert [u["unit"] for u in flag.data["units"]] == ["U01", "U02"]


def test_days_are_configurable(services, clock, run):
    build(services, clock)
    at(clock, "2019-07-03 08:30")
    assert run("reminders", reminder_day=3, flag_day=4)["events"] == 2
    at(clock, "2019-07-04 08:30")
    assert run("reminders", reminder_day=3, flag_day=4)["events"] == 1


def test_to_dos_per_unit(app, client, clock, app_run):
    svc = app.extensions["duban"]
    build(svc, clock)
    at(clock, "2019-07-05 08:30")
    app_run("reminders")
    make_user(svc, "rep1", "unit_reporter", unit="U01")
    make_user(svc, "disp", "dispatcher")
    rep = token_for(client, "rep1")
    mine = client.get("/api/v1/reminders", headers=rep).get_json()
    assert [(r["project"], r["unit"], r["submitted_on"]) for r in mine] == [("XM01", "U01", None)]
    assert client.get("/api/v1/reminders?unit=U02", headers=rep).status_code == 403
    progress(svc, "XM01", "2019-06", 50)
    disp = token_for(client, "disp")
    still_open = client.get("/api/v1/reminders?period=2019-06&open=true", headers=disp).get_json()
    assert [r["project"] for r in still_open] == ["XM03"]
    done = client.get("/api/v1/reminders?open=false", headers=disp).get_json()
    assert [(r["project"], r["submitted_on"]) for r in done] == [("XM01", "2019-07-05")]
