"""The summary's definitions (API.md, GET /reports/summary) on small hand-made ledgers.

Each case states exactly the history it is about, recorded through the commands (as the system,
which every rule lets act), with its business dates.
"""
from __future__ import annotations

import pytest

from app.domain.actors import SYSTEM
from app.domain.errors import NotAllowed
from app.reports.summary import summary
from tests.conftest import make_user, token_for


class Ledger:
    """Records the commands of a hand-made history. Meetings, problems and inspections are
    named by the ids the ledger gives them, in the order they are recorded."""

    def __init__(self, svc) -> None:
        self.svc = svc
        self.units: set[str] = set()

    def run(self, command: str, payload: dict) -> dict:
        return self.svc.bus.execute(command, payload, SYSTEM)

    def numbered(self, expected: str, command: str, payload: dict) -> None:
        given = self.run(command, payload)["id"]
        assert given == expected, f"the ledger numbers this one {given}, not {expected}"

    def ensure_unit(self, code: str) -> None:
        if code not in self.units:
            self.units.add(code)
            self.run("register_unit", {"code": code, "name": f"单位{code}", "kind": "township",
                                       "date": "2018-01-02"})

    def project(self, code: str, stage: str = "continuing", day: str = "2019-01-05",
                category: str = "district", unit: str = "U1", leader: str | None = "张志强",
                total: float = 1000.0) -> None:
        self.ensure_unit(unit)
        self.run("register_project", {
            "code": code, "name": f"项目{code}", "category": category, "stage": stage,
            "owner_unit": unit, "responsible_unit": unit, "total_investment": total,
            "leader": leader, "date": day})

    def stage(self, code: str, stage: str, day: str) -> None:
        self.run("change_stage", {"code": code, "stage": stage, "date": day})

    def leader(self, code: str, name: str, day: str) -> None:
        self.run("assign_leader", {"code": code, "leader": name, "date": day})

    def plan(self, code: str, year: int, amount: float) -> None:
        self.run("set_annual_plan", {"code": code, "year": year, "planned_investment": amount,
                                     "date": f"{year}-01-10"})

    def progress(self, code: str, period: str, amount: float, day: str | None = None) -> None:
        # a second submission for a month is a correction: it supersedes the first
        self.run("submit_progress", {
            "code": code, "period": period, "month_investment": amount,
            "image_progress": "按计划推进", "reason": "数据更正", "confirm_outlier": True,
            "date": day or f"{period}-25"})

    def stats(self, code: str, day: str) -> None:
        self.run("record_stats_entry", {"code": code, "date": day})

    def unit(self, code: str, tasks: dict[int, float]) -> None:
        self.ensure_unit(code)
        for year, amount in tasks.items():
            self.run("set_investment_task", {"code": code, "year": year, "amount": amount,
                                             "date": "2019-01-03"})

    def meeting(self, mid: str, day: str, level: int = 2) -> None:
        self.numbered(mid, "hold_meeting", {"level": level, "chair": "张志强", "topic": "调度会",
                                            "attendees": [], "date": day})

    def problem(self, pid: str, project: str | None, day: str) -> None:
        self.numbered(pid, "raise_problem", {
            "category": "land", "description": "用地指标未落实", "source": "unit_report",
            "project": project, "date": day})

    def dispatch(self, pid: str, day: str, level: int = 1) -> None:
        self.ensure_unit("U1")
        self.run("dispatch_problem", {"id": pid, "level": level, "decision": "限期解决",
                                      "responsible_unit": "U1", "deadline": "2019-12-31",
                                      "date": day})

    def verify(self, pid: str, day: str) -> None:
        self.run("report_resolution", {"id": pid, "description": "已解决", "date": day})
        self.run("verify_resolution", {"id": pid, "note": "核验属实", "date": day})

    def reopen(self, pid: str, day: str) -> None:
        self.run("reopen_problem", {"id": pid, "reason": "问题反弹", "date": day})

    def inspection(self, iid: str, day: str, kind: str = "discipline") -> None:
        self.ensure_unit("U1")
        self.numbered(iid, "record_inspection", {"kind": kind, "inspectors": ["李四"],
                                                 "summary": "纪律作风督查", "targets": ["U1"],
                                                 "date": day})

    def lists(self, code: str, lists: list[str], day: str = "2019-01-06") -> None:
        self.run("set_project_lists", {"code": code, "lists": lists, "date": day})

    def funding(self, code: str, source: str, stage: str, amount: float, day: str) -> None:
        self.run("record_funding", {"code": code, "source": source, "stage": stage,
                                    "amount": amount, "document": "发改投资〔2019〕1号", "date": day})

    def bulletin(self, number: str, day: str) -> None:
        self.run("issue_bulletin", {"number": number, "title": "督查通报", "inspections": [],
                                    "date": day})

    def figures(self, through, year: int = 2019) -> dict:
        with self.svc.engine.connect() as conn:
            return summary(conn, year, through)


@pytest.fixture
def ledger(services) -> Ledger:
    return Ledger(services)


def test_empty_ledger_is_all_zero(ledger):
    f = ledger.figures(6)
    assert f["projects"] == {"major": 0, "with_leader": 0, "leader_coverage": 0.0}
    assert f["investment"]["ratio"] == 0.0 and f["investment"]["plan"] == 0.0
    assert set(f["investment"]["by_category"]) == {"provincial", "municipal", "district", "key_push"}
    assert f["new_starts"] == {"planned": 0, "started": 0, "rate": 0.0}
    assert f["double_half"] == {"units_with_task": 0, "units_behind": 0, "behind_ratio": 0.0}
    assert f["forecast"] == {"month": 6, "units_behind": 0, "behind_ratio": 0.0}
    assert f["reserve"] == {"count": 0, "total_investment": 0.0}


def test_major_leaders_and_reserve_at_period_end(ledger):
    ledger.project("A", "continuing")                                # major, leader
    ledger.project("B", "reserve", total=300.5)                     # reserve: not major
    ledger.project("C", "preliminary", leader=None)                  # major, leader only in July
    ledger.leader("C", "李明华", "2019-07-01")
    ledger.project("D", "preliminary", day="2019-08-01")             # registered after June
    ledger.project("E", "reserve", total=200.25)                     # promoted in March
    ledger.stage("E", "preliminary", "2019-03-01")
    ledger.project("F", "preliminary", total=100.0)                  # back to reserve in May
    ledger.stage("F", "reserve", "2019-05-01")

    june = ledger.figures(6)
    assert june["projects"] == {"major": 3, "with_leader": 2, "leader_coverage": 0.6667}
    assert june["reserve"] == {"count": 2, "total_investment": 400.5}

    feb = ledger.figures(2)  # E still in reserve, F still major
    assert feb["projects"]["major"] == 3
    assert feb["reserve"] == {"count": 2, "total_investment": 500.75}

    august = ledger.figures(8)  # C now has its leader; D counts
    assert august["projects"] == {"major": 4, "with_leader": 4, "leader_coverage": 1.0}


def test_investment_over_major_projects_with_a_plan(ledger):
    ledger.project("A", category="provincial")
    ledger.plan("A", 2019, 1000)
    ledger.plan("A", 2018, 99999)                # another year's plan: ignored
    ledger.progress("A", "2019-01", 100)
    ledger.progress("A", "2019-02", 200)
    ledger.progress("A", "2019-02", 150, "2019-03-05")  # correction supersedes
    ledger.progress("A", "2019-07", 500)         # after `through`
    ledger.progress("A", "2018-12", 999)         # another year
    ledger.project("B", category="municipal")
    ledger.plan("B", 2019, 333.333)              # planned, nothing done yet
    ledger.project("C", category="key_push")
    ledger.plan("C", 2020, 500)                  # no plan for 2019: not counted
    ledger.progress("C", "2019-03", 80)
    ledger.project("R", "reserve", category="district")
    ledger.plan("R", 2019, 700)                  # reserve: not a major project
    ledger.progress("R", "2019-03", 70)

    inv = ledger.figures(6)["investment"]
    assert inv["plan"] == 1333.33 and inv["completed"] == 250.0
    assert inv["ratio"] == round(250 / 1333.333, 4)
    assert inv["by_category"]["provincial"] == {"plan": 1000.0, "completed": 250.0, "ratio": 0.25}
    assert inv["by_category"]["municipal"] == {"plan": 333.33, "completed": 0.0, "ratio": 0.0}
    assert inv["by_category"]["key_push"] == {"plan": 0.0, "completed": 0.0, "ratio": 0.0}
    assert inv["by_category"]["district"] == {"plan": 0.0, "completed": 0.0, "ratio": 0.0}
    assert ledger.figures(1)["investment"]["completed"] == 100.0


def test_new_starts_planned_in_the_year_and_started_in_the_period(ledger):
    ledger.project("P1", "planned_new", day="2018-11-01")   # planned; starts in March
    ledger.stage("P1", "new_start", "2019-03-10")
    ledger.project("P2", "planned_new", day="2019-02-01")   # planned; not started
    ledger.project("P3", "planned_new", day="2018-05-01")   # started in 2018: not this year's
    ledger.stage("P3", "new_start", "2018-12-20")
    ledger.project("P4", "preliminary", day="2019-01-08")   # planned from April; starts in July
    ledger.stage("P4", "planned_new", "2019-04-01")
    ledger.stage("P4", "new_start", "2019-07-02")
    ledger.project("P5", "new_start", day="2019-03-01")     # never planned_new
    ledger.project("P6", "planned_new", day="2018-06-01")   # left it on Y-01-01: still in Y
    ledger.stage("P6", "preliminary", "2019-01-01")
    ledger.project("P7", "planned_new", day="2019-08-01")   # only after the period

    assert ledger.figures(6)["new_starts"] == {"planned": 4, "started": 1, "rate": 0.25}
    assert ledger.figures(7)["new_starts"] == {"planned": 4, "started": 2, "rate": 0.5}
    assert ledger.figures(2)["new_starts"] == {"planned": 3, "started": 0, "rate": 0.0}


def test_dispatch_meetings_problems_and_resolutions(ledger):
    ledger.meeting("M0001", "2019-03-12")
    ledger.meeting("M0002", "2019-07-01")          # after May
    ledger.meeting("M0003", "2018-12-28")          # before the year
    for code in ("XM1", "XM2", "XM3", "XM4"):
        ledger.project(code)
    ledger.problem("P00001", "XM1", "2019-02-01")
    ledger.dispatch("P00001", "2019-02-02")
    ledger.verify("P00001", "2019-04-01")          # resolved
    ledger.problem("P00002", "XM1", "2019-03-01")
    ledger.dispatch("P00002", "2019-03-02", level=2)
    ledger.verify("P00002", "2019-04-10")
    ledger.reopen("P00002", "2019-05-06")          # reopened: not resolved
    ledger.problem("P00003", "XM2", "2018-12-01")
    ledger.dispatch("P00003", "2018-12-02")        # dispatch outside the period
    ledger.verify("P00003", "2019-02-15")          # ... but resolved within it
    ledger.problem("P00004", "XM3", "2019-06-20")
    ledger.dispatch("P00004", "2019-07-01", level=3)  # after May
    ledger.problem("P00005", None, "2019-05-01")   # no project (an inspection finding)
    ledger.dispatch("P00005", "2019-05-02")
    ledger.problem("P00006", "XM4", "2019-01-05")
    ledger.dispatch("P00006", "2019-01-06")
    ledger.verify("P00006", "2019-02-01")
    ledger.reopen("P00006", "2019-03-01")
    ledger.verify("P00006", "2019-05-31")          # verified again: counts once

    may = ledger.figures(5)["dispatch"]
    assert may == {"meetings": 1, "problems_dispatched": 4, "problem_projects": 2,
                   "problems_resolved": 3}
    july = ledger.figures(7)["dispatch"]
    assert july == {"meetings": 2, "problems_dispatched": 5, "problem_projects": 3,
                    "problems_resolved": 3}


def test_stats_entries_first_dated_in_the_period(ledger):
    for code in "ABCD":
        ledger.project(code)
    ledger.stats("A", "2019-02-11")
    ledger.stats("B", "2018-11-20")    # entered last year: not new, and never entered again
    with pytest.raises(NotAllowed):
        ledger.stats("B", "2019-03-01")
    ledger.stats("C", "2019-07-01")    # after June
    ledger.stats("D", "2019-06-30")    # last day of the period
    assert ledger.figures(6)["stats_entry"]["new_entries"] == 2


def test_double_half_units_behind(ledger):
    ledger.unit("U1", {2019: 1200})    # due by June: 600
    ledger.unit("U2", {2019: 1000})    # due by June: 500
    ledger.unit("U3", {2018: 800})     # no task this year: not counted
    ledger.unit("U4", {2019: 50})      # no projects at all: behind
    ledger.project("A", unit="U1")
    for period, amount in [("2019-01", 100.1), ("2019-02", 100.2), ("2019-03", 99.7),
                           ("2019-04", 100.0), ("2019-06", 100.0), ("2018-12", 5000)]:
        ledger.progress("A", period, amount)
    ledger.project("B", "reserve", unit="U1")  # any project it is responsible for counts
    ledger.progress("B", "2019-05", 100.0)
    ledger.project("C", unit="U2")
    ledger.progress("C", "2019-02", 499.99)   # a hair below the threshold
    ledger.progress("C", "2019-07", 900)      # after June

    june = ledger.figures(6)["double_half"]
    assert june == {"units_with_task": 3, "units_behind": 2, "behind_ratio": 0.6667}  # U1 at it
    may = ledger.figures(5)["double_half"]  # U1 500 done of 500 due; U2 499.99 of 416.67
    assert may == {"units_with_task": 3, "units_behind": 1, "behind_ratio": 0.3333}
    assert ledger.figures(7)["double_half"]["units_behind"] == 2  # U1: 600 < 700


def test_inspections_and_bulletins_in_the_period(ledger):
    for iid, day in [("I0001", "2019-01-15"), ("I0002", "2019-06-30"), ("I0003", "2019-07-01"),
                     ("I0004", "2018-12-31")]:
        ledger.inspection(iid, day)
    ledger.bulletin("2019-1", "2019-03-20")
    ledger.bulletin("2019-2", "2019-09-20")
    ledger.inspection("I0005", "2019-03-01", "self_check")
    ledger.inspection("I0006", "2019-04-01", "project")
    assert ledger.figures(6)["inspections"] == {
        "count": 4, "bulletins": 1, "by_kind": {"discipline": 2, "project": 1, "self_check": 1}}
    assert ledger.figures(12)["inspections"]["count"] == 5
    assert ledger.figures(12)["inspections"]["bulletins"] == 2


def test_through_a_day_ends_every_dated_count_on_that_day(ledger):
    ledger.unit("U1", {2019: 1200})
    ledger.project("A", "planned_new", unit="U1")
    ledger.stage("A", "new_start", "2019-06-26")       # after the day
    ledger.progress("A", "2019-06", 600, "2019-06-25")  # the month counts whole
    ledger.meeting("M0001", "2019-06-20")
    ledger.meeting("M0002", "2019-06-27")
    ledger.bulletin("2019-1", "2019-06-28")
    ledger.project("B", unit="U1")
    ledger.stats("A", "2019-06-20")
    ledger.stats("B", "2019-06-28")
    ledger.project("C", "reserve", day="2019-06-26")

    day = ledger.figures("2019-06-25")
    month = ledger.figures("2019-06")
    assert day["dispatch"]["meetings"] == 1 and month["dispatch"]["meetings"] == 2
    assert day["inspections"]["bulletins"] == 0 and month["inspections"]["bulletins"] == 1
    assert day["stats_entry"]["new_entries"] == 1 and month["stats_entry"]["new_entries"] == 2
    assert day["new_starts"] == {"planned": 1, "started": 0, "rate": 0.0}
    assert month["new_starts"]["started"] == 1
    assert day["reserve"]["count"] == 0 and month["reserve"]["count"] == 1
    # double half through a day: 600 done against 1200 × 6 / 12 due: not behind
    assert day["double_half"] == month["double_half"] == {
        "units_with_task": 1, "units_behind": 0, "behind_ratio": 0.0}
    assert ledger.figures("2019-06-30") == month
    with pytest.raises(ValueError):
        ledger.figures("2019-02-30")


def test_lines_count_a_project_in_each_list_it_belongs_to(ledger):
    ledger.project("A", category="provincial", total=5000)
    ledger.lists("A", ["key_push"])                   # 省重点 and 重抓重推 at once
    ledger.project("B", "new_start", category="municipal", total=3000)
    ledger.project("C", category="district", total=1000)
    ledger.project("D", "preliminary", category="key_push", total=2000)
    ledger.project("R", "reserve", category="district", total=9000)
    ledger.lists("R", ["key_push"])                   # the reserve is in no line
    ledger.project("E", category="district", total=700)
    ledger.lists("E", ["municipal"])
    ledger.lists("E", [], "2019-02-01")               # taken off again
    for code, plan, done in (("A", 1000, 400), ("B", 500, 100), ("C", 200, 50), ("D", 100, 0)):
        ledger.plan(code, 2019, plan)
        ledger.progress(code, "2019-03", done)

    f = ledger.figures(6)
    lines = f["lines"]
    assert lines["provincial_municipal"] == {"count": 2, "total_investment": 8000.0,
                                             "plan": 1500.0, "completed": 500.0, "ratio": 0.3333}
    assert lines["district_major"] == {"count": 5, "total_investment": 11700.0,
                                       "plan": 1800.0, "completed": 550.0, "ratio": 0.3056}
    assert lines["continuing"] == {"count": 3, "total_investment": 6700.0,
                                   "plan": 1200.0, "completed": 450.0, "ratio": 0.375}
    assert lines["key_push"] == {"count": 2, "total_investment": 7000.0,
                                 "plan": 1100.0, "completed": 400.0, "ratio": 0.3636}
    assert f["investment"]["by_category"]["key_push"]["plan"] == 1100.0
    assert f["investment"]["by_category"]["provincial"]["plan"] == 1000.0
    assert f["investment"]["plan"] == 1800.0  # each project once in the total


def test_stats_entry_threshold_last_year_and_units_without_entry(ledger, monkeypatch):
    ledger.unit("U1", {2019: 100})
    ledger.unit("U2", {2019: 100})
    ledger.unit("U3", {2019: 100})
    ledger.unit("U4", {2018: 100})   # no task this year: not counted
    ledger.project("A", unit="U1", total=500)      # at the threshold
    ledger.project("B", unit="U1", total=499.99)
    ledger.project("C", unit="U2", total=8000)
    ledger.project("D", unit="U3", total=800)
    ledger.stats("A", "2019-02-01")
    ledger.stats("B", "2019-03-01")
    ledger.stats("C", "2018-04-01")  # last year, within the same stretch
    ledger.stats("D", "2019-07-01")  # after June: U3 has nothing entered by then

    f = ledger.figures(6)["stats_entry"]
    assert f == {"new_entries": 2, "over_threshold": 1, "last_year": 1, "yoy": 1.0,
                 "units_without_entry": 1}
    may = ledger.figures("2019-03-31")["stats_entry"]
    assert may["last_year"] == 0 and may["yoy"] is None
    monkeypatch.setenv("STATS_THRESHOLD", "400")
    assert ledger.figures(6)["stats_entry"]["over_threshold"] == 2


def test_funding_over_central_budget_funds_approved_in_the_period(ledger):
    ledger.project("A", total=10000)
    ledger.project("B", total=4000)
    ledger.project("C", "reserve", total=30000)
    ledger.funding("A", "central_budget", "applied", 3000, "2019-02-01")   # only applied
    ledger.funding("A", "central_budget", "approved", 2000, "2019-04-01")
    ledger.funding("A", "self_and_other", "approved", 8000, "2019-04-01")
    ledger.funding("A", "central_budget", "received", 1500, "2019-05-01")
    ledger.funding("B", "special_bond", "approved", 1000, "2019-04-01")    # no central budget
    ledger.funding("B", "self_and_other", "approved", 3000, "2019-04-01")
    ledger.funding("C", "central_budget", "approved", 5000, "2019-03-01")  # reserve counts too
    ledger.funding("C", "central_budget", "approved", 700, "2019-08-01")   # after June

    assert ledger.figures(6)["funding"] == {"projects": 2, "total_investment": 40000.0,
                                            "central_budget": 7000.0, "self_and_other": 8000.0}
    assert ledger.figures(3)["funding"] == {"projects": 1, "total_investment": 30000.0,
                                            "central_budget": 5000.0, "self_and_other": 0.0}


def test_double_half_forecast_beside_the_actual(ledger):
    for unit in ("U1", "U2", "U3"):
        ledger.unit(unit, {2019: 1200})
    ledger.project("A", unit="U1", total=10000)  # 100 a month, room for much more
    ledger.project("B", unit="U2", total=350)    # 300 done, only 50 left to invest
    ledger.project("C", unit="U3", total=10000)  # never entered into the statistics database
    for code in "ABC":
        for month in ("2019-01", "2019-02", "2019-03"):
            ledger.progress(code, month, 100)
    ledger.stats("A", "2019-01-20")
    ledger.stats("B", "2019-01-20")

    march = ledger.figures(3)
    assert march["double_half"]["units_behind"] == 0          # 300 done of 300 due, each
    assert march["forecast"] == {"month": 6, "units_behind": 2, "behind_ratio": 0.6667}
    with ledger.svc.engine.connect() as conn:
        from app.views.reports import forecast_rows
        from app.reports.summary import Period

        rows = {r["unit"]: r for r in forecast_rows(conn, Period(2019, 3))}
    assert rows["U1"]["expected"] == 600.0 and rows["U1"]["target"] == 600.0
    assert not rows["U1"]["forecast_behind"]
    assert rows["U2"]["expected"] == 350.0 and rows["U2"]["forecast_behind"]
    assert rows["U3"]["expected"] == 300.0 and rows["U3"]["forecast_behind"]
    assert ledger.figures(8)["forecast"]["month"] == 12


def _busy(ledger) -> None:
    """A ledger where every figure has something to count."""
    ledger.unit("U1", {2019: 1000})
    ledger.unit("U2", {2019: 1000})
    ledger.project("A", category="provincial", unit="U1")
    ledger.lists("A", ["key_push"])
    ledger.plan("A", 2019, 800)
    ledger.progress("A", "2019-02", 500)
    ledger.stats("A", "2019-02-10")
    ledger.project("B", "planned_new", unit="U2", category="municipal")
    ledger.stats("B", "2018-02-10")
    ledger.stage("B", "new_start", "2019-03-01")
    ledger.project("R", "reserve")
    ledger.meeting("M0001", "2019-03-01")
    ledger.problem("P00001", "A", "2019-03-02")
    ledger.dispatch("P00001", "2019-03-03")
    ledger.verify("P00001", "2019-04-01")
    ledger.inspection("I0001", "2019-04-01")
    ledger.inspection("I0002", "2019-04-02", "self_check")
    ledger.bulletin("2019-1", "2019-04-03")
    ledger.funding("A", "central_budget", "approved", 100, "2019-04-04")


def test_every_count_is_the_number_of_its_items(ledger):
    from app.reports.summary import BASIS, COUNTS, Period, Report, figures, flatten

    _busy(ledger)
    with ledger.svc.engine.connect() as conn:
        report = Report(conn, Period(2019, 6))
        flat = flatten(figures(report))
        for key in COUNTS:
            assert flat[key] == len(report.items(key)), key
            assert flat[key] > 0 or key in ("double_half.units_behind", "forecast.units_behind",
                                             "stats_entry.units_without_entry",
                                             "inspections.by_kind.project"), key
        for key in BASIS:
            assert key in flat, key
            report.items(key)
        assert report.items("dispatch.problems_resolved") == ["P00001"]
        assert report.items("lines.key_push.count") == ["A"]
        assert report.items("investment.plan") == ["A"]


# -- through the API -------------------------------------------------------------

@pytest.fixture
def viewer(app, client):
    make_user(app.extensions["duban"], "disp", "dispatcher")
    return token_for(client, "disp")


def test_api_answers_with_defaults_and_as_of(app, client, viewer, clock):
    ledger = Ledger(app.extensions["duban"])
    ledger.project("A", category="municipal")
    ledger.plan("A", 2019, 800)
    ledger.progress("A", "2019-03", 200)
    then = clock.now.isoformat()
    clock.advance(seconds=5)
    ledger.progress("A", "2019-03", 300, "2019-04-02")

    r = client.get("/api/v1/reports/summary?year=2019&through=2019-06", headers=viewer)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["year"] == 2019 and body["through"] == "2019-06"
    assert set(body) >= {"projects", "investment", "new_starts", "dispatch", "stats_entry",
                         "double_half", "reserve", "inspections"}
    assert body["investment"]["completed"] == 300.0 and body["investment"]["ratio"] == 0.375
    past = client.get("/api/v1/reports/summary", headers=viewer,
                      query_string={"year": 2019, "through": "2019-06", "as_of": then}).get_json()
    assert past["investment"]["completed"] == 200.0

    # the test clock stands in November 2026
    assert client.get("/api/v1/reports/summary", headers=viewer).get_json()["through"] == "2026-11"
    assert client.get("/api/v1/reports/summary?year=2019",
                      headers=viewer).get_json()["through"] == "2019-12"
    only = client.get("/api/v1/reports/summary?through=2019-05", headers=viewer).get_json()
    assert only["year"] == 2019 and only["through"] == "2019-05"


@pytest.mark.parametrize("query, field", [
    ("year=abc", "year"), ("year=1999", "year"), ("through=2019-13", "through"),
    ("through=2019-6", "through"), ("year=2019&through=2018-05", "through"),
    ("through=2019-02-30", "through"), ("through=2019-06-5", "through"),
    ("as_of=yesterday", "as_of"),
])
def test_api_refuses_bad_values(client, viewer, query, field):
    r = client.get(f"/api/v1/reports/summary?{query}", headers=viewer)
    assert r.status_code == 400
    assert field in r.get_json()["error"]["fields"]


def test_api_access_and_openapi(app, client):
    svc = app.extensions["duban"]
    Ledger(svc).unit("U1", {})
    make_user(svc, "rep", "unit_reporter", unit="U1")
    make_user(svc, "insp", "inspector")
    assert client.get("/api/v1/reports/summary").status_code == 401
    assert client.get("/api/v1/reports/summary",
                      headers=token_for(client, "rep")).status_code == 403
    assert client.get("/api/v1/reports/summary",
                      headers=token_for(client, "insp")).status_code == 200
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/reports/summary"]["get"]
    assert "200" in op["responses"] and "400" in op["responses"]


def test_api_through_a_day_and_items(app, client, viewer):
    ledger = Ledger(app.extensions["duban"])
    _busy(ledger)
    ledger.meeting("M0002", "2019-06-27")
    body = client.get("/api/v1/reports/summary?year=2019&through=2019-06-25",
                      headers=viewer).get_json()
    assert body["through"] == "2019-06-25" and body["dispatch"]["meetings"] == 1
    assert set(body) >= {"lines", "funding", "stats_entry", "inspections"}
    assert body["inspections"]["by_kind"] == {"discipline": 1, "project": 0, "self_check": 1}

    r = client.get("/api/v1/reports/summary/items", headers=viewer, query_string={
        "year": 2019, "through": "2019-06", "figure": "dispatch.meetings"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["items"] == ["M0001", "M0002"] and r.get_json()["value"] == 2
    r = client.get("/api/v1/reports/summary/items", headers=viewer, query_string={
        "year": 2019, "through": "2019-06-25", "figure": "dispatch.meetings"})
    assert r.get_json()["items"] == ["M0001"]
    r = client.get("/api/v1/reports/summary/items", headers=viewer, query_string={
        "year": 2019, "through": "2019-06", "figure": "dispatch.nothing"})
    assert r.status_code == 400 and "figure" in r.get_json()["error"]["fields"]
    assert "没有" in r.get_json()["error"]["fields"]["figure"][0]
    r = client.get("/api/v1/reports/summary/items?year=2019", headers=viewer)
    assert r.status_code == 400 and "figure" in r.get_json()["error"]["fields"]
