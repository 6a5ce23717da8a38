"""The funding ledger (项目资金台账): funds applied for, approved and received, per project,
source and document."""
from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata
from .lists import touch_project

funding_entries = Table(
    "proj_funding",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("version", Integer, primary_key=True),  # the event's version in the project's stream
    Column("source", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("amount", Float, nullable=False),  # 万元
    Column("document", Text),
    Column("on_date", String(10)),
    Index("ix_proj_funding_stage_date", "stage", "on_date"),
)

PROJECTION = Projection("funding", [funding_entries])


@PROJECTION.on("FundingRecorded")
def _funding(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(funding_entries, {"project": d["project"], "version": ev.version,
                               "source": d["source"], "stage": d["stage"], "amount": d["amount"],
                               "document": d.get("document"), "on_date": ev.business_date})
    touch_project(rows, ev)
