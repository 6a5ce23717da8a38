"""Dispatch meetings, inspections and bulletins."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

meetings = Table(
    "proj_meetings",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("on_date", String(10)),
    Column("chair", String(80), nullable=False),
    Column("topic", Text, nullable=False),
    Column("attendees", Text, nullable=False),  # joined with "、"
)

inspections = Table(
    "proj_inspections",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("on_date", String(10)),
    Column("inspectors", Text, nullable=False),  # joined with "、"
    Column("summary", Text, nullable=False),
    Column("targets", Text, nullable=False),  # unit codes joined with ","
)

bulletins = Table(
    "proj_bulletins",
    metadata,
    Column("number", String(50), primary_key=True),
    Column("title", Text, nullable=False),
    Column("on_date", String(10)),
    Column("inspections", Text, nullable=False),  # inspection ids joined with ","
)

PROJECTION = Projection("oversight", [meetings, inspections, bulletins])


@PROJECTION.on("MeetingHeld")
def _meeting(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(meetings, {"id": d["id"], "level": d["level"], "on_date": ev.business_date,
                        "chair": d["chair"], "topic": d["topic"],
                        "attendees": "、".join(d["attendees"])})


@PROJECTION.on("InspectionRecorded")
def _inspection(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(inspections, {"id": d["id"], "kind": d["kind"], "on_date": ev.business_date,
                           "inspectors": "、".join(d["inspectors"]), "summary": d["summary"],
                           "targets": ",".join(d["targets"])})


@PROJECTION.on("BulletinIssued")
def _bulletin(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(bulletins, {"number": d["number"], "title": d["title"], "on_date": ev.business_date,
                         "inspections": ",".join(d["inspections"])})
