"""The half-year figures (上半年工作总结的各项数字) of API.md's ``GET /reports/summary``.

Each figure is a plain function of a :class:`Report` (a Connection and a :class:`Period`),
reading only the projection tables, so the same code answers live and as of a past instant (a
snapshot database). Business dates are ISO strings in those tables: comparing them as text
orders them as days, which keeps every filter a portable SQL comparison.

Every count figure is defined ONCE, as the function that lists its items (``COUNTS``): the
count is the number of those items, so a figure and the things it counts cannot disagree.
Sums and ratios are taken over the items of the count figures they rest on (``BASIS``).
"""
from __future__ import annotations

import calendar
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterable, Union

from sqlalchemy import Connection, Select, func, select

from ..domain.vocab import INSPECTION_KINDS
from ..projections.funding import funding_entries
from ..projections.lists import project_lists
from ..projections.oversight import bulletins, inspections
from ..projections.projects import annual_plans, monthly_progress, project_leaders, project_stages, projects
from ..projections.units import unit_tasks
from ..views import dispatch

CATEGORIES = ("provincial", "municipal", "district", "key_push")
RESERVE, PLANNED_NEW, NEW_START, CONTINUING = "reserve", "planned_new", "new_start", "continuing"
# The seed report's lines (省市重点 / 区级重大 / 其中续建 / 重抓重推)
LINES = ("provincial_municipal", "district_major", "continuing", "key_push")
DEFAULT_STATS_THRESHOLD = 500.0  # 万元: 新入库**万元以上的项目


def stats_threshold() -> float:
    """STATS_THRESHOLD (万元) from the environment; the size from which a new entry is large."""
    raw = os.environ.get("STATS_THRESHOLD")
    try:
        value = float(raw) if raw else DEFAULT_STATS_THRESHOLD
    except ValueError:
        value = DEFAULT_STATS_THRESHOLD
    return value if math.isfinite(value) and value >= 0 else DEFAULT_STATS_THRESHOLD


THROUGH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Period:
    """From Y-01-01 to the last day of month ``through`` of year Y, or to ``day`` of that month.

    A cut-off day (the seed's report is dated 6月25日) ends every dated count on that day.
    Investment is reported by month, so the cut-off day's month counts whole, on both sides of
    the double-half comparison: its progress figure counts, and its task share is due.
    """

    year: int
    through: int  # 1..12
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.through <= 12:
            raise ValueError(f"through month out of range: {self.through}")
        if self.day is not None and not 1 <= self.day <= calendar.monthrange(
                self.year, self.through)[1]:
            raise ValueError(f"through day out of range: {self.day}")

    @classmethod
    def parse(cls, year: int, through: Union[int, str]) -> "Period":
        """``through`` as a month number, ``Y-MM`` or ``Y-MM-DD`` (of year ``year``)."""
        if isinstance(through, int):
            return cls(year, through)
        m = THROUGH.match(through)
        if not m or int(m.group(1)) != year:
            raise ValueError(f"bad through: {through}")
        return cls(year, int(m.group(2)), int(m.group(3)) if m.group(3) else None)

    @property
    def start(self) -> str:
        return f"{self.year:04d}-01-01"

    @property
    def end(self) -> str:
        last = self.day or calendar.monthrange(self.year, self.through)[1]
        return f"{self.year:04d}-{self.through:02d}-{last:02d}"

    @property
    def label(self) -> str:
        """As given: ``Y-MM`` or ``Y-MM-DD``."""
        return self.end if self.day else self.last_month

    @property
    def first_month(self) -> str:
        return f"{self.year:04d}-01"

    @property
    def last_month(self) -> str:
        return f"{self.year:04d}-{self.through:02d}"

    def last_year(self) -> "Period":
        """The same stretch of the year before (同期); 29 February becomes the 28th."""
        day = self.day
        if day is not None:
            day = min(day, calendar.monthrange(self.year - 1, self.through)[1])
        return Period(self.year - 1, self.through, day)


def money(x: float) -> float:
    return round(x, 2)


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


Items = Union[Select, Iterable[str]]


# -- projects and their stages -------------------------------------------------

def stage_histories(conn: Connection, end: str) -> dict[str, list[tuple[str, str]]]:
    """Each project's stages entered on or before ``end``, in business order: [(date, stage)].

    Ordered by date first, then by recording order: history entered after the fact still
    lands where it happened.
    """
    rows = conn.execute(
        select(project_stages.c.project, project_stages.c.seq, project_stages.c.stage,
               project_stages.c.on_date)
        .where(project_stages.c.on_date <= end)
    ).all()
    out: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for r in rows:
        out[r.project].append((r.on_date, r.seq, r.stage))
    return {p: [(d, s) for d, _, s in sorted(h)] for p, h in out.items()}


def stages_at(conn: Connection, end: str) -> dict[str, str]:
    """The stage each project was in at the end of a day; projects not yet registered are absent."""
    return {p: h[-1][1] for p, h in stage_histories(conn, end).items()}


def major_projects(stages: dict[str, str]) -> set[str]:
    """Major projects (重大项目): every registered project not in the reserve (储备)."""
    return {p for p, s in stages.items() if s != RESERVE}


def completed_by_project(conn: Connection, period: Period) -> dict[str, float]:
    """Year-to-date investment (完成投资) per project: its latest month figures, Y-01..through.

    proj_monthly_progress keeps only the latest submission per month, so a correction has
    already superseded what it corrects.
    """
    rows = conn.execute(
        select(monthly_progress.c.project, monthly_progress.c.month_investment)
        .where(monthly_progress.c.year == period.year)
        .where(monthly_progress.c.period >= period.first_month)
        .where(monthly_progress.c.period <= period.last_month)
    ).all()
    parts: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        parts[r.project].append(r.month_investment)
    return {p: math.fsum(v) for p, v in parts.items()}


def _in_period(column, period: Period):
    return column.between(period.start, period.end)


# -- double over half ------------------------------------------------------------

@dataclass(frozen=True)
class UnitStanding:
    """Double-over-half (双过半) standing of one unit with an investment task."""

    unit: str
    task: float
    due: float  # task × months elapsed / 12
    completed: float

    @property
    def behind(self) -> bool:
        # Compared at 4 decimals (finer than the 2 shown), so float noise in a sum of
        # monthly figures cannot put a unit that is exactly at the threshold behind it.
        return round(self.completed, 4) < round(self.due, 4)


def unit_standings(conn: Connection, period: Period,
                   completed: dict[str, float] | None = None) -> list[UnitStanding]:
    """Every unit with a task for the year, against the projects it is responsible for.

    All of them, whatever their stage: the task is the unit's, and only months of the year up
    to ``through`` with reported investment add anything.
    """
    if completed is None:
        completed = completed_by_project(conn, period)
    per_unit: dict[str, list[float]] = defaultdict(list)
    for code, unit in conn.execute(select(projects.c.code, projects.c.responsible_unit)):
        if code in completed:
            per_unit[unit].append(completed[code])
    out = []
    for r in conn.execute(select(unit_tasks.c.unit, unit_tasks.c.amount)
                          .where(unit_tasks.c.year == period.year).order_by(unit_tasks.c.unit)):
        out.append(UnitStanding(r.unit, r.amount, r.amount * period.through / 12,
                                math.fsum(per_unit.get(r.unit, ()))))
    return out


# -- the double-half forecast (双过半测算) ------------------------------------------------

@dataclass(frozen=True)
class UnitForecast:
    """A unit's forecast beside its actual standing (see :func:`unit_forecasts`)."""

    unit: str
    task: float
    due: float  # actual: task × months elapsed / 12
    completed: float
    behind: bool
    target_month: int  # 6 (the half year) or 12
    target: float  # task × target_month / 12
    expected: float  # completed + what its projects can still add by the target month
    forecast_behind: bool


def target_month(period: Period) -> int:
    """双过半 is judged at the half year; after June the year's end is the mark."""
    return 6 if period.through <= 6 else 12


def unit_forecasts(conn: Connection, period: Period, standings: list[UnitStanding],
                   completed: dict[str, float], stages: dict[str, str]) -> list[UnitForecast]:
    """Each unit's expected completion by the target month, from its projects in the statistics
    database: each adds, for every month left until the target month, its average monthly
    investment of the year so far, but never more than its remaining investment (total
    investment less everything reported for it, all years)."""
    mark = target_month(period)
    months_left = max(mark - period.through, 0)
    reported = defaultdict(list)  # everything reported through the period, all years
    for project, amount in conn.execute(select(monthly_progress.c.project,
                                               monthly_progress.c.month_investment)
                                        .where(monthly_progress.c.period <= period.last_month)):
        reported[project].append(amount)
    adds: dict[str, list[float]] = defaultdict(list)
    for r in conn.execute(select(projects.c.code, projects.c.responsible_unit,
                                 projects.c.total_investment, projects.c.stats_entry_on)):
        if (not r.stats_entry_on or r.stats_entry_on > period.end
                or stages.get(r.code) in (None, RESERVE, "completed")):
            continue
        pace = completed.get(r.code, 0.0) / period.through
        remaining = max(r.total_investment - math.fsum(reported.get(r.code, ())), 0.0)
        adds[r.responsible_unit].append(min(pace * months_left, remaining))
    out = []
    for s in standings:
        target = s.task * mark / 12
        expected = s.completed + math.fsum(adds.get(s.unit, ()))
        out.append(UnitForecast(s.unit, s.task, s.due, s.completed, s.behind, mark, target,
                                expected, round(expected, 4) < round(target, 4)))
    return out


# -- the report: what the figures are taken from, read once per answer ------------

class Report:
    """The facts of one period that the figures are counted from (each read at most once)."""

    def __init__(self, conn: Connection, period: Period, threshold: float | None = None) -> None:
        self.conn = conn
        self.period = period
        self.threshold = stats_threshold() if threshold is None else threshold

    @cached_property
    def histories(self) -> dict[str, list[tuple[str, str]]]:
        return stage_histories(self.conn, self.period.end)

    @cached_property
    def stages(self) -> dict[str, str]:
        return {p: h[-1][1] for p, h in self.histories.items()}

    @cached_property
    def major(self) -> set[str]:
        return major_projects(self.stages)

    @cached_property
    def completed(self) -> dict[str, float]:
        return completed_by_project(self.conn, self.period)

    @cached_property
    def plans(self) -> dict[str, float]:
        """Annual plans for Y of the major projects (the investment figures' basis)."""
        return {r.project: r.planned_investment for r in self.conn.execute(
            select(annual_plans.c.project, annual_plans.c.planned_investment)
            .where(annual_plans.c.year == self.period.year)) if r.project in self.major}

    @cached_property
    def totals(self) -> dict[str, float]:
        return dict(self.conn.execute(select(projects.c.code, projects.c.total_investment)).all())

    @cached_property
    def lists(self) -> dict[str, set[str]]:
        """Every list (category) each project belongs to: its category and its other lists."""
        out: dict[str, set[str]] = defaultdict(set)
        for code, category in self.conn.execute(select(projects.c.code, projects.c.category)):
            out[code].add(category)
        for code, name in self.conn.execute(select(project_lists.c.project, project_lists.c.list)):
            out[code].add(name)
        return out

    @cached_property
    def standings(self) -> list[UnitStanding]:
        return unit_standings(self.conn, self.period, self.completed)

    @cached_property
    def forecasts(self) -> list[UnitForecast]:
        return unit_forecasts(self.conn, self.period, self.standings, self.completed, self.stages)

    def in_list(self, name: str) -> set[str]:
        return {p for p in self.major if name in self.lists.get(p, ())}

    def line(self, name: str) -> set[str]:
        if name == "provincial_municipal":
            return self.in_list("provincial") | self.in_list("municipal")
        if name == "district_major":  # 区级重大项目: every major project of the district
            return set(self.major)
        if name == "continuing":
            return {p for p in self.major if self.stages[p] == CONTINUING}
        return self.in_list(name)

    # -- items and values ------------------------------------------------------
    def items(self, key: str) -> list[str]:
        """The ids counted in a figure (or summed over, for a sum or ratio), sorted."""
        keys = [key] if key in COUNTS or key in SETS else BASIS.get(key)
        if keys is None:
            raise KeyError(key)
        out: set[str] = set()
        for k in keys:
            out |= self._items(k)
        return sorted(out)

    def _items(self, key: str) -> set[str]:
        found = (COUNTS.get(key) or SETS[key])(self)
        if isinstance(found, Select):
            return {v for v in self.conn.execute(found).scalars() if v not in (None, "")}
        return set(found)

    def count(self, key: str) -> int:
        found = COUNTS[key](self)
        if isinstance(found, Select):  # counted in SQL: a period may hold 100,000s of rows
            return self.conn.execute(select(func.count()).select_from(found.subquery())).scalar() or 0
        return len(set(found))

    def all_items(self) -> dict[str, list[str]]:
        """The items of every count figure and every set a sum rests on."""
        return {k: self.items(k) for k in [*COUNTS, *SETS]}


# Each count figure: the one function that lists what it counts.
COUNTS: dict[str, Callable[[Report], Items]] = {}
# Item sets that sums and ratios rest on without being counts in the answer.
SETS: dict[str, Callable[[Report], Items]] = {}
# Which sets a sum or ratio is taken over (the items it links to).
BASIS: dict[str, list[str]] = {}


def count(key: str):
    def register(fn: Callable[[Report], Items]):
        COUNTS[key] = fn
        return fn
    return register


def item_set(key: str):
    def register(fn: Callable[[Report], Items]):
        SETS[key] = fn
        return fn
    return register


# -- projects -------------------------------------------------------------------
@count("projects.major")
def _major(r: Report) -> Items:
    """Major projects (重大项目): not in the reserve at the period end."""
    return r.major


@count("projects.with_leader")
def _with_leader(r: Report) -> Items:
    """Major projects with a county-level leader at the period end (县级领导挂联)."""
    led = set(r.conn.execute(select(project_leaders.c.project).distinct()
                             .where(project_leaders.c.on_date <= r.period.end)).scalars())
    return r.major & led


BASIS["projects.leader_coverage"] = ["projects.with_leader"]


# -- investment -----------------------------------------------------------------
@item_set("investment.projects")
def _planned(r: Report) -> Items:
    """Major projects with an annual plan for Y: the investment figures are summed over them."""
    return set(r.plans)


for _k in ("plan", "completed", "ratio"):
    BASIS[f"investment.{_k}"] = ["investment.projects"]
for _c in CATEGORIES:
    item_set(f"investment.by_category.{_c}")(
        lambda r, c=_c: {p for p in r.plans if c in r.lists.get(p, ())})
    for _k in ("plan", "completed", "ratio"):
        BASIS[f"investment.by_category.{_c}.{_k}"] = [f"investment.by_category.{_c}"]


# -- lines of the report (一、二(四)) -----------------------------------------------
for _line in LINES:
    count(f"lines.{_line}.count")(lambda r, n=_line: r.line(n))
    for _k in ("total_investment", "plan", "completed", "ratio"):
        BASIS[f"lines.{_line}.{_k}"] = [f"lines.{_line}.count"]


# -- new starts -------------------------------------------------------------------
def _planned_in_year(period: Period, history: list[tuple[str, str]]) -> bool:
    for i, (_, stage) in enumerate(history):
        if stage != PLANNED_NEW:
            continue
        left = history[i + 1][0] if i + 1 < len(history) else None
        if left is None or left >= period.start:  # still planned_new on some day of Y
            return True
    return False


@count("new_starts.planned")
def _new_planned(r: Report) -> Items:
    """Planned new starts (计划新开工): in stage planned_new on some day of Y."""
    return {p for p, h in r.histories.items() if _planned_in_year(r.period, h)}


@count("new_starts.started")
def _new_started(r: Report) -> Items:
    """Those of them moved from a planned_new entry to new_start within the period (开工)."""
    out = set()
    for p in _new_planned(r):
        seen_planned = False
        for day, stage in r.histories[p]:
            if stage == PLANNED_NEW:
                seen_planned = True
            elif stage == NEW_START and seen_planned and day >= r.period.start:
                out.add(p)
                break
    return out


BASIS["new_starts.rate"] = ["new_starts.planned", "new_starts.started"]


# -- dispatch ---------------------------------------------------------------------
@count("dispatch.meetings")
def _meetings(r: Report) -> Items:
    return dispatch.meetings_held(r.period)


@count("dispatch.problems_dispatched")
def _dispatched(r: Report) -> Items:
    return dispatch.dispatched(r.period)


@count("dispatch.problem_projects")
def _problem_projects(r: Report) -> Items:
    return dispatch.problem_projects(r.period)


@count("dispatch.problems_resolved")
def _resolved(r: Report) -> Items:
    return dispatch.resolved(r.period)


# -- statistics database entries (投资入库) -----------------------------------------
def _entered(period: Period) -> Select:
    return select(projects.c.code).where(_in_period(projects.c.stats_entry_on, period))


@count("stats_entry.new_entries")
def _new_entries(r: Report) -> Items:
    """Projects first entered into the statistics database in the period (新入库)."""
    return _entered(r.period)


@count("stats_entry.over_threshold")
def _over_threshold(r: Report) -> Items:
    """New entries whose total investment is at least STATS_THRESHOLD (**万元以上)."""
    return _entered(r.period).where(projects.c.total_investment >= r.threshold)


@count("stats_entry.last_year")
def _last_year(r: Report) -> Items:
    """New entries in the same stretch of the year before (同期)."""
    return _entered(r.period.last_year())


BASIS["stats_entry.yoy"] = ["stats_entry.new_entries", "stats_entry.last_year"]


@count("stats_entry.units_without_entry")
def _units_without_entry(r: Report) -> Items:
    """Units with a task for Y none of whose projects was in the statistics database at the
    period end (未入库投资项目的单位)."""
    entered = {u for u, in r.conn.execute(
        select(projects.c.responsible_unit).distinct()
        .where(projects.c.stats_entry_on <= r.period.end))}
    return {s.unit for s in r.standings} - entered


# -- double over half, reserve, oversight, funding -----------------------------------
@count("double_half.units_with_task")
def _units_with_task(r: Report) -> Items:
    return {s.unit for s in r.standings}


@count("double_half.units_behind")
def _units_behind(r: Report) -> Items:
    """Units whose projects completed less than task × months / 12."""
    return {s.unit for s in r.standings if s.behind}


BASIS["double_half.behind_ratio"] = ["double_half.units_behind"]


@count("forecast.units_behind")
def _forecast_behind(r: Report) -> Items:
    """Units whose forecast falls short of the task share due by the target month (测算)."""
    return {f.unit for f in r.forecasts if f.forecast_behind}


BASIS["forecast.behind_ratio"] = ["forecast.units_behind"]


@count("reserve.count")
def _reserve(r: Report) -> Items:
    """The project reserve (项目储备库) at the period end."""
    return {p for p, s in r.stages.items() if s == RESERVE}


BASIS["reserve.total_investment"] = ["reserve.count"]


@count("inspections.count")
def _inspections(r: Report) -> Items:
    return select(inspections.c.id).where(_in_period(inspections.c.on_date, r.period))


for _kind in INSPECTION_KINDS:
    count(f"inspections.by_kind.{_kind}")(
        lambda r, k=_kind: _inspections(r).where(inspections.c.kind == k))


@count("inspections.bulletins")
def _bulletins(r: Report) -> Items:
    return select(bulletins.c.number).where(_in_period(bulletins.c.on_date, r.period))


def _approved(r: Report, source: str) -> Select:
    f = funding_entries
    return (select(f.c.project, f.c.amount).where(f.c.stage == "approved")
            .where(f.c.source == source).where(_in_period(f.c.on_date, r.period)))


@count("funding.projects")
def _funded(r: Report) -> Items:
    """Projects with central-budget funds (中央预算内投资) approved in the period."""
    return {p for p, _ in r.conn.execute(_approved(r, "central_budget"))}


for _k in ("total_investment", "central_budget", "self_and_other"):
    BASIS[f"funding.{_k}"] = ["funding.projects"]


# -- the answer -----------------------------------------------------------------------
def _share(r: Report, codes: Iterable[str]) -> dict[str, float]:
    planned = [c for c in codes if c in r.plans]
    plan = math.fsum(r.plans[c] for c in planned)
    done = math.fsum(r.completed.get(c, 0.0) for c in planned)
    return {"plan": money(plan), "completed": money(done), "ratio": ratio(done, plan)}


def _line_figures(r: Report, name: str) -> dict[str, Any]:
    codes = r.line(name)
    return {"count": r.count(f"lines.{name}.count"),
            "total_investment": money(math.fsum(r.totals.get(c, 0.0) for c in codes)),
            **_share(r, codes)}


def _funding_figures(r: Report) -> dict[str, Any]:
    funded = r._items("funding.projects")
    central = math.fsum(a for _, a in r.conn.execute(_approved(r, "central_budget")))
    own = math.fsum(a for p, a in r.conn.execute(_approved(r, "self_and_other")) if p in funded)
    return {"projects": r.count("funding.projects"),
            "total_investment": money(math.fsum(r.totals.get(p, 0.0) for p in funded)),
            "central_budget": money(central), "self_and_other": money(own)}


def figures(r: Report) -> dict[str, Any]:
    """Every figure of GET /reports/summary, each count as the number of its items."""
    n = r.count
    major, with_leader = n("projects.major"), n("projects.with_leader")
    planned, started = n("new_starts.planned"), n("new_starts.started")
    new, last = n("stats_entry.new_entries"), n("stats_entry.last_year")
    with_task, behind = n("double_half.units_with_task"), n("double_half.units_behind")
    reserve = r._items("reserve.count")
    return {
        "projects": {"major": major, "with_leader": with_leader,
                     "leader_coverage": ratio(with_leader, major)},
        "investment": {**_share(r, r.plans),
                       "by_category": {c: _share(r, r._items(f"investment.by_category.{c}"))
                                       for c in CATEGORIES}},
        "lines": {name: _line_figures(r, name) for name in LINES},
        "new_starts": {"planned": planned, "started": started, "rate": ratio(started, planned)},
        "dispatch": {k: n(f"dispatch.{k}") for k in
                     ("meetings", "problems_dispatched", "problem_projects", "problems_resolved")},
        "stats_entry": {"new_entries": new, "over_threshold": n("stats_entry.over_threshold"),
                        "last_year": last,
                        # growth on the same stretch of last year; none to grow from: null
                        "yoy": round((new - last) / last, 4) if last else None,
                        "units_without_entry": n("stats_entry.units_without_entry")},
        "double_half": {"units_with_task": with_task, "units_behind": behind,
                        "behind_ratio": ratio(behind, with_task)},
        # 双过半测算: beside the actual comparison above, the forecast by the target month
        "forecast": {"month": target_month(r.period),
                     "units_behind": n("forecast.units_behind"),
                     "behind_ratio": ratio(n("forecast.units_behind"), with_task)},
        "reserve": {"count": len(reserve),
                    "total_investment": money(math.fsum(r.totals.get(p, 0.0) for p in reserve))},
        "inspections": {"count": n("inspections.count"), "bulletins": n("inspections.bulletins"),
                        "by_kind": {k: n(f"inspections.by_kind.{k}") for k in INSPECTION_KINDS}},
        "funding": _funding_figures(r),
    }


def summary(conn: Connection, year: int, through: Union[int, str]) -> dict[str, Any]:
    """All figures of GET /reports/summary for business dates Y-01-01 .. ``through`` (a month
    number, ``Y-MM`` or ``Y-MM-DD``)."""
    return figures(Report(conn, Period.parse(year, through)))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``: the dotted keys figures are named by."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def figure_keys() -> list[str]:
    """Every figure that lists its items: the counts, and the sums and ratios over them."""
    return [*COUNTS, *BASIS]
