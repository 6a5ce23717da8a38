"""The problem ledger (问题台账) and rectification tracking (整改跟踪) come from here."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Column, ColumnElement, Index, Integer, String, Table, Text, and_

from ..domain.statuses import ProblemStatus
from ..events.model import RecordedEvent
from .base import Projection, Row, Rows, metadata

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
    # the admin pages' reads: to-dos by status (ordered by deadline), overdue (open and past
    # its deadline), counts by level and status, problems raised and resolved per month
    Index("ix_proj_problems_status_deadline", "status", "deadline", "id"),
    Index("ix_proj_problems_level_status", "level", "status"),
    Index("ix_proj_problems_raised_on", "raised_on"),
    Index("ix_proj_problems_resolved_on", "resolved_on"),
    Index("ix_proj_problems_source_status", "source", "status"),
    # a unit reporter's problems (raised by or assigned to the unit), a leader's, a project's
    Index("ix_proj_problems_responsible_unit", "responsible_unit"),
    Index("ix_proj_problems_unit", "unit"),
    Index("ix_proj_problems_leader", "leader"),
    Index("ix_proj_problems_project", "project"),
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
    # dispatch statistics: per level and unit, every column it reads (grouped without sorting)
    Index("ix_proj_problem_dispatches_level_unit", "level", "responsible_unit", "problem",
          "project", "on_date"),
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
    Index("ix_proj_problem_verifications_verified_on", "verified_on", "reopened_on", "problem"),
)

# A problem still waiting on its unit: only these can be overdue.
OPEN_STATUSES = ProblemStatus.OPEN


def overdue_condition(day: str) -> ColumnElement[bool]:
    """The deadline passed before ``day`` (ISO; dates compare as text on both databases) and the
    problem is still open: the one definition every ledger, page and export filters by."""
    return and_(problems.c.status.in_(OPEN_STATUSES), problems.c.deadline.is_not(None),
                problems.c.deadline < day)


PROJECTION = Projection("problems", [problems, problem_dispatches, problem_verifications])


# -- apply functions: keyed folds only (they also run in the million-event rebuild) --------
def _pid(ev: RecordedEvent) -> str:
    return ev.stream_id[8:]  # "problem:P00001"


def _touch(rows: Rows, ev: RecordedEvent) -> Row:
    """The problem's row, stamped with this event's date and version; the caller writes it back."""
    row = rows.get(problems, _pid(ev))
    row["last_action_on"] = ev.business_date
    row["version"] = ev.version
    return row


@PROJECTION.on("ProblemRaised")
def _raised(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(problems, {
        "id": d["id"], "project": d.get("project"), "inspection": d.get("inspection"),
        "category": d["category"], "description": d["description"], "source": d["source"],
        "status": ProblemStatus.RAISED, "level": None, "unit": d.get("unit"), "responsible_unit": None,
        "responsible_person": None, "leader": None, "decision": None, "meeting": None,
        "deadline": None, "overdue_recorded": None, "raised_on": ev.business_date,
        "first_dispatched_on": None, "resolution_reported_on": None, "resolved_on": None,
        "days_to_resolve": None, "dispatch_count": 0, "escalation_count": 0, "urge_count": 0,
        "extension_count": 0, "note_count": 0, "rejection_count": 0, "reopen_count": 0,
        "withdrawn_on": None, "last_action_on": ev.business_date, "version": ev.version,
    })


@PROJECTION.on("ProblemDispatched")
def _dispatched(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    row = _touch(rows, ev)
    row.update(status=ProblemStatus.IN_PROGRESS, level=d["level"], responsible_unit=d["responsible_unit"],
               responsible_person=d.get("responsible_person"), leader=d.get("leader"),
               decision=d["decision"], meeting=d.get("meeting"), deadline=d["deadline"])
    row["dispatch_count"] += 1
    if row["first_dispatched_on"] is None:
        row["first_dispatched_on"] = ev.business_date
    rows.put(problems, row)
    rows.put(problem_dispatches, {
        "problem": row["id"], "seq": row["dispatch_count"], "project": row["project"],
        "level": d["level"], "on_date": ev.business_date, "meeting": d.get("meeting"),
        "responsible_unit": d["responsible_unit"], "deadline": d["deadline"]})


@PROJECTION.on("ProblemEscalated")
def _escalated(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["level"] = ev.data["to_level"]
    row["escalation_count"] += 1
    rows.put(problems, row)


def _counter(column: str):
    def apply(rows: Rows, ev: RecordedEvent) -> None:
        row = _touch(rows, ev)
        row[column] += 1
        rows.put(problems, row)
    return apply


@PROJECTION.on("ProblemDeadlineNear")
def _deadline_near(rows: Rows, ev: RecordedEvent) -> None:
    row = rows.get(problems, _pid(ev))  # a reminder, not an action: only the version moves
    row["version"] = ev.version
    rows.put(problems, row)


PROJECTION.on("ProblemNoted")(_counter("note_count"))
PROJECTION.on("ProblemUrged")(_counter("urge_count"))


@PROJECTION.on("DeadlineExtended")
def _extended(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["deadline"] = ev.data["deadline"]
    row["extension_count"] += 1
    rows.put(problems, row)


@PROJECTION.on("ResolutionReported")
def _reported(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = ProblemStatus.AWAITING_VERIFICATION
    row["resolution_reported_on"] = ev.business_date
    rows.put(problems, row)


@PROJECTION.on("ResolutionVerified")
def _verified(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = ProblemStatus.RESOLVED
    row["resolved_on"] = ev.business_date
    if ev.business_date and row["raised_on"]:
        row["days_to_resolve"] = (date.fromisoformat(ev.business_date)
                                  - date.fromisoformat(row["raised_on"])).days
    rows.put(problems, row)
    # Only a reopen leads from resolved back to another verification, so this is verification n+1.
    rows.put(problem_verifications, {
        "problem": row["id"], "seq": row["reopen_count"] + 1, "project": row["project"],
        "verified_on": ev.business_date, "reopened_on": None})


@PROJECTION.on("ResolutionRejected")
def _rejected(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = ProblemStatus.IN_PROGRESS
    row["rejection_count"] += 1
    rows.put(problems, row)


@PROJECTION.on("ProblemReopened")
def _reopened(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    verification = rows.get(problem_verifications, row["id"], row["reopen_count"] + 1)
    if verification is not None:
        verification["reopened_on"] = ev.business_date
        rows.put(problem_verifications, verification)
    row.update(status=ProblemStatus.IN_PROGRESS, resolved_on=None, days_to_resolve=None)
    row["reopen_count"] += 1
    rows.put(problems, row)


@PROJECTION.on("ProblemWithdrawn")
def _withdrawn(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = ProblemStatus.WITHDRAWN
    row["withdrawn_on"] = ev.business_date
    rows.put(problems, row)


@PROJECTION.on("ProblemOverdue")
def _overdue(rows: Rows, ev: RecordedEvent) -> None:
    # A fact the scheduler records, not an action on the problem: last_action_on stays.
    row = rows.get(problems, _pid(ev))
    row["overdue_recorded"] = ev.data["deadline"]
    row["version"] = ev.version
    rows.put(problems, row)
