"""How many streams of each kind exist: the source of sequential ids (P00001, M0001, ...)."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

stream_counts = Table(
    "proj_stream_counts",
    metadata,
    Column("stream_type", String(50), primary_key=True),
    Column("count", Integer, nullable=False),
)

PROJECTION = Projection("sequences", [stream_counts])

COUNTED = ("problem", "meeting", "inspection", "task")


@PROJECTION.on("ProblemRaised", "MeetingHeld", "InspectionRecorded", "TaskAssigned")
def _count(rows: Rows, ev: RecordedEvent) -> None:
    if ev.version != 1:
        return
    row = rows.get(stream_counts, ev.stream_type) or {"stream_type": ev.stream_type, "count": 0}
    rows.put(stream_counts, {**row, "count": row["count"] + 1})

