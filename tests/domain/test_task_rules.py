"""The light (红黄绿灯) and the working-day calendar, without a database: holiday boundaries,
worked weekend days, a year the calendar does not know."""
from __future__ import annotations

import logging
from datetime import date

from app.commands.task_rules import deadline_light, feedback_due, task_light
from app.workdays import WorkCalendar, calendar_from, light_settings

CAL = WorkCalendar()
D = date.fromisoformat


def light(today: str, deadline: str, status: str = "in_progress", assigned_on: str = "2025-09-01",
          acknowledged: str | None = "2025-09-01", cycle: str = "none",
          last_feedback: str | None = None, cal: WorkCalendar = CAL) -> str | None:
    return task_light(status, deadline, assigned_on, acknowledged, cycle, last_feedback, D(today), cal)


def test_working_days_follow_the_chinese_calendar():
    assert CAL.is_workday(D("2025-09-28"))  # a Sunday worked before the National Day week
    assert not CAL.is_workday(D("2025-10-08"))  # a Wednesday within it
    assert CAL.is_workday(D("2025-10-11"))  # a Saturday worked after it
    assert CAL.count(D("2025-09-30"), D("2025-10-09")) == 1  # only 10-09 itself
    assert CAL.add(D("2025-09-30"), 2) == D("2025-10-10")
    assert CAL.on_or_after(D("2025-10-01")) == D("2025-10-09")


def test_deadline_just_after_the_national_day_week():
    # nine calendar days, but one working day: yellow
    assert light("2025-09-30", "2025-10-09") == "yellow"
    # 10-09, 10-10, 10-11 (worked Saturday): three working days, still yellow
    assert light("2025-09-30", "2025-10-11") == "yellow"
    # 10-13 is the fourth working day: green
    assert light("2025-09-30", "2025-10-13") == "green"
    assert light("2025-10-09", "2025-10-09") == "yellow"  # the deadline day itself
    assert light("2025-10-10", "2025-10-09") == "red"
    assert light("2025-10-10", "2025-10-09", status="completed") is None
    assert light("2025-10-10", "2025-10-09", status="withdrawn") is None
    assert light("2025-10-10", "2025-10-09", status="awaiting_acceptance") == "red"


def test_acknowledgement_clock_counts_a_worked_saturday():
    # assigned on Thursday 10-09: 10-10 and the worked Saturday 10-11 are its two working days
    kw = dict(status="assigned", assigned_on="2025-10-09", acknowledged=None)
    assert light("2025-10-11", "2025-12-31", **kw) == "green"
    assert light("2025-10-12", "2025-12-31", **kw) == "green"  # Sunday: no working day
    assert light("2025-10-13", "2025-12-31", **kw) == "yellow"
    assert light("2025-10-13", "2025-12-31", status="in_progress", assigned_on="2025-10-09",
                 acknowledged="2025-10-10") == "green"
    # assigned the day before the holiday: not yellow until the third working day after
    kw = dict(status="assigned", assigned_on="2025-09-30", acknowledged=None)
    assert light("2025-10-08", "2025-12-31", **kw) == "green"
    assert light("2025-10-10", "2025-12-31", **kw) == "green"
    assert light("2025-10-11", "2025-12-31", **kw) == "yellow"


def test_feedback_rhythm():
    # weekly from 09-26: due 10-03, a holiday, so the next working day 10-09
    assert feedback_due("weekly", D("2025-09-26"), CAL) == D("2025-10-09")
    assert feedback_due("monthly", D("2025-01-31"), CAL) == D("2025-02-28")
    assert feedback_due("none", D("2025-01-31"), CAL) is None
    kw = dict(cycle="weekly", acknowledged="2025-09-26", deadline="2025-12-31")
    assert light("2025-10-09", **kw) == "green"
    assert light("2025-10-10", **kw) == "yellow"
    assert light("2025-10-10", last_feedback="2025-10-09", **kw) == "green"


def test_problems_share_the_deadline_rule():
    assert deadline_light(True, "2025-10-09", D("2025-09-30"), CAL) == "yellow"
    assert deadline_light(True, None, D("2025-09-30"), CAL) == "green"
    assert deadline_light(False, "2025-10-09", D("2025-12-30"), CAL) is None


def test_a_year_the_calendar_does_not_know(caplog):
    cal = WorkCalendar(holidays=[D("2099-10-01")], workdays=[D("2099-10-10")])
    with caplog.at_level(logging.WARNING, logger="app.workdays"):
        assert not cal.is_workday(D("2099-10-01"))  # from the list: a Thursday off
        assert cal.is_workday(D("2099-10-10"))  # from the list: a Saturday worked
        assert cal.is_workday(D("2099-10-02"))  # the plain rule: a Friday
        assert not cal.is_workday(D("2099-10-03"))
    assert len([r for r in caplog.records if "2099" in r.getMessage()]) == 1
    assert light("2099-09-30", "2099-10-05", cal=cal) == "yellow"  # 10-02, 10-05: two days


def test_settings():
    cal = calendar_from({"WORKDAY_HOLIDAYS": "2099-10-01, 2099-10-02", "WORKDAY_WORKDAYS": ""})
    assert not cal.is_workday(D("2099-10-02"))
    assert calendar_from({"WORKDAY_HOLIDAYS": "2099-10-01,2099-10-02"}) is cal
    assert light_settings({}) == (3, 2)
    assert light_settings({"TASK_WARN_WORKDAYS": "5", "TASK_ACK_WORKDAYS": 1}) == (5, 1)
    # a date mistyped in a setting is left out with a warning, never a crash
    assert calendar_from({"WORKDAY_HOLIDAYS": "2099-13-01,2099-10-01"}).holidays == {D("2099-10-01")}


def test_the_sql_light_is_the_light():
    """light_case (the ledger's filters, the daily job) answers as task_light, day after day
    across the National Day week and the Spring Festival, for every kind of task."""
    import itertools
    from datetime import timedelta

    from sqlalchemy import create_engine, insert, select

    from app.views.tasks import light_case, light_thresholds
    from app.projections.tasks import tasks

    engine = create_engine("sqlite://")
    tasks.create(engine)
    rows, n = [], 0
    days = [D("2025-09-20") + timedelta(days=i) for i in range(0, 40, 3)] + \
           [D("2026-02-08") + timedelta(days=i) for i in range(0, 20, 4)]
    for deadline, assigned, status, cycle, ack, fb in itertools.product(
            days[::2], days[::3], ("assigned", "in_progress", "returned", "completed"),
            ("none", "weekly", "monthly"), (None, 1), (None, 2)):
        if assigned > deadline:
            continue
        n += 1
        rows.append({"id": f"T{n:05d}", "title": "x", "source": "meeting", "lead_unit": "U01",
                     "co_units": "", "deadline": deadline.isoformat(), "feedback_cycle": cycle,
                     "key": False, "status": status, "notice_number": "x",
                     "registered_on": assigned.isoformat(), "assigned_on": assigned.isoformat(),
                     "acknowledged_date": (assigned + timedelta(days=ack)).isoformat() if ack else None,
                     "last_feedback_date": (assigned + timedelta(days=fb)).isoformat() if fb else None,
                     "feedback_count": 0, "urge_count": 0, "extension_count": 0, "return_count": 0,
                     "reassign_count": 0, "version": 1})
    with engine.begin() as conn:
        conn.execute(insert(tasks), rows)
        for today in days:
            expr = light_case(tasks.c, light_thresholds(today, CAL, 3, 2))
            for r in conn.execute(select(tasks, expr.label("sql_light"))):
                assert r.sql_light == task_light(
                    r.status, r.deadline, r.assigned_on, r.acknowledged_date, r.feedback_cycle,
                    r.last_feedback_date, today, CAL), (today, dict(r._mapping))
