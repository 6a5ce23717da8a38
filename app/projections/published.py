"""Published reports (已发布的工作汇总): the figures as they were sent, and what each counted."""
from __future__ import annotations

import json

from sqlalchemy import Column, Integer, String, Table, Text, func, select

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

published_reports = Table(
    "proj_published_reports",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("through", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("published_on", String(10)),
    Column("position", Integer, nullable=False),  # of the SummaryPublished event
    Column("recorded_at", String(32), nullable=False),
    Column("figures", Text, nullable=False),  # JSON
    Column("items", Text, nullable=False),  # JSON: figure -> ids
)

PROJECTION = Projection("published", [published_reports])


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@PROJECTION.on("SummaryPublished")
def _published(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(published_reports, {
        "id": d["id"], "year": d["year"], "through": d["through"], "title": d["title"],
        "published_on": ev.business_date, "position": ev.position, "recorded_at": ev.recorded_at,
        "figures": _json(d["figures"]), "items": _json(d["items"])})


def next_report_number(conn) -> int:
    """Safe inside a write transaction: the append lock is held."""
    return (conn.execute(select(func.count()).select_from(published_reports)).scalar() or 0) + 1
