"""Units (单位) and their investment tasks per year."""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

units = Table(
    "proj_units",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("registered_on", String(10)),
    Column("version", Integer, nullable=False),
)

unit_tasks = Table(
    "proj_unit_tasks",
    metadata,
    Column("unit", String(50), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("amount", Float, nullable=False),  # 万元
    Column("set_on", String(10)),
)

PROJECTION = Projection("units", [units, unit_tasks])


@PROJECTION.on("UnitRegistered")
def _registered(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(units, {"code": d["code"], "name": d["name"], "kind": d["kind"],
                     "registered_on": ev.business_date, "version": ev.version})


@PROJECTION.on("InvestmentTaskSet")
def _task(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(unit_tasks, {"unit": d["unit"], "year": d["year"], "amount": d["amount"],
                          "set_on": ev.business_date})
    unit = rows.get(units, d["unit"])
    rows.put(units, {**unit, "version": ev.version})
