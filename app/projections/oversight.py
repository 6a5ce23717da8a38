"""Dispatch meetings, inspections and bulletins."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from .base import Projection, metadata

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
