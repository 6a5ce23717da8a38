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
