"""What the scheduled jobs recorded: units' to-dos (催报), the fast/slow lists (红黑榜), anchors."""
from __future__ import annotations

import json

from sqlalchemy import Column, Integer, String, Table, Text

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

# One row per project reminded for a month: the unit's to-do until the progress arrives.
reminders = Table(
    "proj_reminders",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("project", String(50), primary_key=True),
    Column("unit", String(50), nullable=False),
    Column("name", String(300), nullable=False),
    Column("reminded_on", String(10)),
    Column("flagged_on", String(10)),  # reported to the dispatcher as still missing
    Column("submitted_on", String(10)),  # progress for the period arrived after the reminder
)

# The list published for each month (its latest publication); the LED board shows the one
# published last.
publicity = Table(
    "proj_publicity",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("published_on", String(10)),
    Column("recorded_at", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("fast", Text, nullable=False),  # JSON list, ranked
    Column("slow", Text, nullable=False),
    Column("basis", Text, nullable=False),
    Column("fast_count", Integer, nullable=False),
    Column("slow_count", Integer, nullable=False),
)

anchors = Table(
    "proj_anchors",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("anchored_position", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("position", Integer, nullable=False),  # of the ChainAnchored event itself
    Column("recorded_at", String(32), nullable=False),
)

PROJECTION = Projection("jobs", [reminders, publicity, anchors])


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@PROJECTION.on("ProgressReminderIssued")
def _reminded(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    for p in d["projects"]:
        rows.put(reminders, {"period": d["period"], "project": p["project"], "unit": d["unit"],
                             "name": p["name"], "reminded_on": ev.business_date,
                             "flagged_on": None, "submitted_on": None})


@PROJECTION.on("MissingReportsFlagged")
def _flagged(rows: Rows, ev: RecordedEvent) -> None:
    period = ev.data["period"]
    for unit in ev.data["units"]:
        for code in unit["projects"]:
            row = rows.get(reminders, period, code)
            if row is not None:
                rows.put(reminders, {**row, "flagged_on": ev.business_date})


@PROJECTION.on("ProgressSubmitted")
def _submitted(rows: Rows, ev: RecordedEvent) -> None:
    # Only the first submission closes the to-do; a correction changes nothing here.
    row = rows.get(reminders, ev.data["period"], ev.data["project"])
    if row is not None and row["submitted_on"] is None:
        rows.put(reminders, {**row, "submitted_on": ev.business_date})


@PROJECTION.on("FastSlowListPublished")
def _published(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(publicity, {"period": d["period"], "published_on": ev.business_date,
                         "recorded_at": ev.recorded_at, "position": ev.position,
                         "fast": _dumps(d["fast"]), "slow": _dumps(d["slow"]),
                         "basis": _dumps(d["basis"]), "fast_count": len(d["fast"]),
                         "slow_count": len(d["slow"])})


@PROJECTION.on("ChainAnchored")
def _anchored(rows: Rows, ev: RecordedEvent) -> None:
    rows.put(anchors, {"day": ev.business_date, "anchored_position": ev.data["position"],
                       "hash": ev.data["hash"], "position": ev.position,
                       "recorded_at": ev.recorded_at})
