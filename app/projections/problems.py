"""The problem ledger (问题台账) and rectification tracking (整改跟踪) come from here."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from .base import Projection, metadata

problems = Table(
    "proj_problems",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("project", String(50)),
    Column("inspection", String(20)),
    Column("category", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("source", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("level", Integer),  # None until first dispatched
    Column("unit", String(50)),  # whose problem it is before dispatch
    Column("responsible_unit", String(50)),
    Column("responsible_person", String(80)),
    Column("leader", String(80)),
    Column("decision", Text),  # latest dispatch decision
    Column("meeting", String(20)),
    Column("deadline", String(10)),
    Column("overdue_recorded", String(10)),  # the deadline an overdue fact was recorded for
    Column("raised_on", String(10)),
    Column("first_dispatched_on", String(10)),
    Column("resolution_reported_on", String(10)),
    Column("resolved_on", String(10)),  # latest verification (None when reopened)
    Column("days_to_resolve", Integer),
    Column("dispatch_count", Integer, nullable=False),
    Column("escalation_count", Integer, nullable=False),
    Column("urge_count", Integer, nullable=False),
    Column("extension_count", Integer, nullable=False),
    Column("note_count", Integer, nullable=False),
    Column("rejection_count", Integer, nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Column("withdrawn_on", String(10)),
    Column("last_action_on", String(10)),
    Column("version", Integer, nullable=False),
)

# Every dispatch decision (调度意见) with its level and business date.
problem_dispatches = Table(
    "proj_problem_dispatches",
    metadata,
    Column("problem", String(20), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("project", String(50)),
    Column("level", Integer, nullable=False),
    Column("on_date", String(10)),
    Column("meeting", String(20)),
    Column("responsible_unit", String(50), nullable=False),
    Column("deadline", String(10), nullable=False),
)

# Every verification (销号); reopened_on is set when the problem was reopened after it.
problem_verifications = Table(
    "proj_problem_verifications",
    metadata,
    Column("problem", String(20), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("project", String(50)),
    Column("verified_on", String(10), nullable=False),
    Column("reopened_on", String(10)),
)

PROJECTION = Projection("problems", [problems, problem_dispatches, problem_verifications])
