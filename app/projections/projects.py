"""The project ledger (重大项目台账) and what the figures are computed from."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, Select, String, Table, Text, func, select

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

# Current state of each project.
projects = Table(
    "proj_projects",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("category", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("owner_unit", String(50), nullable=False),
    Column("responsible_unit", String(50), nullable=False),
    Column("leader", String(80)),
    Column("total_investment", Float, nullable=False),
    Column("planned_start", String(10)),
    Column("registered_on", String(10)),
    Column("stats_entry_on", String(10)),  # first entry into the statistics database (入库)
    # months whose latest submission is a confirmed outlier (larger than what was left to invest)
    Column("outliers", Integer, nullable=False, default=0),
    Column("last_period", String(7)),  # latest month with progress
    Column("version", Integer, nullable=False),
)

# Every stage a project has been in, with the business date it was entered (seq 1 = at registration).
project_stages = Table(
    "proj_project_stages",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("stage", String(20), nullable=False),
    Column("on_date", String(10)),
)

# Every leader assignment with its business date (seq 1 = at registration, when given).
project_leaders = Table(
    "proj_project_leaders",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("leader", String(80), nullable=False),
    Column("on_date", String(10)),
)

annual_plans = Table(
    "proj_annual_plans",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("planned_investment", Float, nullable=False),
)

# The latest submission per project and month; earlier ones stay in the events.
monthly_progress = Table(
    "proj_monthly_progress",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("period", String(7), primary_key=True),  # YYYY-MM
    Column("year", Integer, nullable=False),
    Column("month_investment", Float, nullable=False),
    Column("image_progress", Text, nullable=False),
    Column("submissions", Integer, nullable=False),  # 1 + corrections
    Column("reason", Text),  # reason of the latest correction
    Column("submitted_on", String(10)),
    Column("outlier", Boolean, nullable=False, default=False),  # a confirmed outlier
)

def ytd_select(year: int, through: str | None = None) -> Select:
    """Year-to-date investment per project (完成投资), column ``ytd``: the sum of each month's
    latest submission — the table holds only the latest — through month ``through`` if given."""
    mp = monthly_progress
    q = select(mp.c.project, func.sum(mp.c.month_investment).label("ytd")).where(mp.c.year == year)
    if through:
        q = q.where(mp.c.period <= through)
    return q.group_by(mp.c.project)


PROJECTION = Projection("projects", [projects, project_stages, project_leaders, annual_plans,
                                     monthly_progress])


def _touch(rows: Rows, ev: RecordedEvent) -> dict:
    """The project row, its version moved to this event (mutated in place: rebuilds fold millions)."""
    row = rows.get(projects, ev.data["project"])
    row["version"] = ev.version
    return row


def _next_seq(rows: Rows, table: Table, code: str) -> int:
    # Stages and leaders change a handful of times per project, so probing keys stays cheap
    # and spares the ledger table a counter column.
    seq = 1
    while rows.get(table, code, seq) is not None:
        seq += 1
    return seq


@PROJECTION.on("ProjectRegistered")
def _registered(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    code, leader = d["code"], d.get("leader")
    rows.put(projects, {
        "code": code, "name": d["name"], "category": d["category"], "stage": d["stage"],
        "owner_unit": d["owner_unit"], "responsible_unit": d["responsible_unit"], "leader": leader,
        "total_investment": d["total_investment"], "planned_start": d.get("planned_start"),
        "registered_on": ev.business_date, "stats_entry_on": None, "last_period": None,
        "outliers": 0, "version": ev.version})
    rows.put(project_stages, {"project": code, "seq": 1, "stage": d["stage"],
                              "on_date": ev.business_date})
    if leader:
        rows.put(project_leaders, {"project": code, "seq": 1, "leader": leader,
                                   "on_date": ev.business_date})


@PROJECTION.on("AnnualPlanSet")
def _annual_plan(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(annual_plans, {"project": d["project"], "year": d["year"],
                            "planned_investment": d["planned_investment"]})
    rows.put(projects, _touch(rows, ev))


def _changed(field: str, history: Table):
    """A project field that changed, and the change kept in its history table."""
    def apply(rows: Rows, ev: RecordedEvent) -> None:
        code = ev.data["project"]
        row = _touch(rows, ev)
        row[field] = ev.data[field]
        rows.put(projects, row)
        rows.put(history, {"project": code, "seq": _next_seq(rows, history, code),
                           field: ev.data[field], "on_date": ev.business_date})
    return apply


PROJECTION.on("LeaderAssigned")(_changed("leader", project_leaders))
PROJECTION.on("StageChanged")(_changed("stage", project_stages))


@PROJECTION.on("ProgressSubmitted")
def _progress(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    period = d["period"]
    row = _touch(rows, ev)
    if row["last_period"] is None or period > row["last_period"]:
        row["last_period"] = period
    outlier = bool(d.get("outlier"))
    earlier = rows.get(monthly_progress, d["project"], period) if d["corrects"] else None
    was_outlier = bool(earlier["outlier"]) if earlier is not None else False
    if outlier != was_outlier:  # a correction replaces the month's mark too
        row["outliers"] = (row.get("outliers") or 0) + (1 if outlier else -1)
    rows.put(projects, row)
    rows.put(monthly_progress, {
        "project": d["project"], "period": period, "year": int(period[:4]),
        "month_investment": d["month_investment"], "image_progress": d["image_progress"],
        "submissions": d["corrects"] + 1, "reason": d.get("reason"),
        "submitted_on": ev.business_date, "outlier": outlier})


@PROJECTION.on("StatsEntryRecorded")
def _stats_entry(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    if row["stats_entry_on"] is None:
        row["stats_entry_on"] = ev.business_date
    rows.put(projects, row)
