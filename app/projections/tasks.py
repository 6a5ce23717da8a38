"""The task ledger (督办台账), the units on each task, each lead feedback, and the 文号 per year.

The light is not stored here: it depends on the day it is read on (and on the calendar), so the
ledger computes it at reading time; ``recorded_light`` is the light the daily job last recorded.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from ..domain.statuses import TaskStatus
from ..events.model import RecordedEvent
from .base import Projection, Row, Rows, metadata

tasks = Table(
    "proj_tasks",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("source", String(30), nullable=False),
    Column("source_ref", String(200)),
    Column("lead_unit", String(50), nullable=False),
    Column("co_units", Text, nullable=False),  # unit codes joined by ","
    Column("leader", String(80)),
    Column("deadline", String(10), nullable=False),
    Column("feedback_cycle", String(10), nullable=False),
    Column("key", Boolean, nullable=False),
    Column("status", String(30), nullable=False),
    Column("notice_number", String(40), nullable=False),  # the latest 督办通知单's 文号
    Column("urge_number", String(40)),  # the latest 催办单's 文号
    Column("registered_on", String(10), nullable=False),  # 交办日期: the period a task counts in
    Column("assigned_on", String(10), nullable=False),  # the latest (re)assignment
    Column("acknowledged_date", String(10)),  # the lead unit's 签收 of the current assignment
    Column("first_acknowledged_date", String(10)),  # of the first assignment (appraisal)
    Column("feedback_count", Integer, nullable=False),
    Column("last_feedback_date", String(10)),  # the lead unit's latest
    Column("urge_count", Integer, nullable=False),
    Column("extension_count", Integer, nullable=False),  # extensions granted
    Column("requested_deadline", String(10)),  # an extension asked for, not yet decided
    Column("return_count", Integer, nullable=False),
    Column("reassign_count", Integer, nullable=False),
    Column("completion_reported_date", String(10)),
    Column("completed_date", String(10)),  # the date of the completion report accepted
    Column("accepted_date", String(10)),
    Column("days_to_complete", Integer),
    Column("on_time", Boolean),
    Column("rating", String(30)),
    Column("recorded_light", String(10)),
    Column("withdrawn_date", String(10)),
    Column("last_action_on", String(10)),
    Column("version", Integer, nullable=False),
    Index("ix_proj_tasks_status", "status", "deadline"),
    Index("ix_proj_tasks_leader", "leader"),
    Index("ix_proj_tasks_registered_on", "registered_on"),
    # (a unit's tasks are read from proj_task_units, so lead_unit has no index to keep up)
    # Every step on a task rewrites its row, which changes no indexed column: with room left
    # in each page, PostgreSQL writes the new row beside the old one and touches no index.
    postgresql_with={"fillfactor": 70},
)

# Every unit on a task now: the lead unit and each co-unit (for the unit filter and a unit's view).
task_units = Table(
    "proj_task_units",
    metadata,
    Column("unit", String(50), primary_key=True),
    Column("task", String(20), primary_key=True),
    Column("lead", Boolean, nullable=False),
)

# The lead unit's feedbacks in order (feedback on time is judged against each one's due day).
task_feedbacks = Table(
    "proj_task_feedbacks",
    metadata,
    Column("task", String(20), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("unit", String(50), nullable=False),
    Column("on_date", String(10), nullable=False),
)

# How many 文号 each year has given (区发改督〔2019〕12号).
task_notice_numbers = Table(
    "proj_task_notice_numbers",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
)

PROJECTION = Projection("tasks", [tasks, task_units, task_feedbacks, task_notice_numbers])


def _tid(ev: RecordedEvent) -> str:
    return ev.stream_id[5:]  # "task:T00001"


def _touch(rows: Rows, ev: RecordedEvent) -> Row:
    row = rows.get(tasks, _tid(ev))
    row["last_action_on"] = ev.business_date
    row["version"] = ev.version
    return row


def _numbered(rows: Rows, ev: RecordedEvent) -> None:
    year = int(ev.business_date[:4])
    row = rows.get(task_notice_numbers, year) or {"year": year, "count": 0}
    rows.put(task_notice_numbers, {"year": year, "count": row["count"] + 1})


def _set_units(rows: Rows, task_id: str, lead: str, co: list[str], old: list[str]) -> None:
    for u in old:
        rows.delete(task_units, u, task_id)
    rows.put(task_units, {"unit": lead, "task": task_id, "lead": True})
    for u in co:
        rows.put(task_units, {"unit": u, "task": task_id, "lead": False})


def split_units(value: str | None) -> list[str]:
    return value.split(",") if value else []


@PROJECTION.on("TaskAssigned")
def _assigned(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(tasks, {
        "id": d["id"], "title": d["title"], "description": d.get("description"),
        "source": d["source"], "source_ref": d.get("source_ref"), "lead_unit": d["lead_unit"],
        "co_units": ",".join(d["co_units"]), "leader": d.get("leader"), "deadline": d["deadline"],
        "feedback_cycle": d["feedback_cycle"], "key": bool(d["key"]), "status": TaskStatus.ASSIGNED,
        "notice_number": d["notice_number"], "urge_number": None,
        "registered_on": ev.business_date, "assigned_on": ev.business_date,
        "acknowledged_date": None, "first_acknowledged_date": None, "feedback_count": 0,
        "last_feedback_date": None, "urge_count": 0, "extension_count": 0,
        "requested_deadline": None, "return_count": 0, "reassign_count": 0,
        "completion_reported_date": None, "completed_date": None, "accepted_date": None,
        "days_to_complete": None, "on_time": None, "rating": None, "recorded_light": "green",
        "withdrawn_date": None, "last_action_on": ev.business_date, "version": ev.version})
    _set_units(rows, d["id"], d["lead_unit"], d["co_units"], [])
    _numbered(rows, ev)


@PROJECTION.on("TaskReassigned")
def _reassigned(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    row = _touch(rows, ev)
    old = [row["lead_unit"], *split_units(row["co_units"])]
    row.update(status=TaskStatus.ASSIGNED, lead_unit=d["lead_unit"], co_units=",".join(d["co_units"]),
               deadline=d["deadline"], notice_number=d["notice_number"],
               assigned_on=ev.business_date, acknowledged_date=None, requested_deadline=None)
    row["reassign_count"] += 1
    rows.put(tasks, row)
    _set_units(rows, row["id"], d["lead_unit"], d["co_units"], old)
    _numbered(rows, ev)


@PROJECTION.on("TaskAcknowledged")
def _acknowledged(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    if ev.data["lead"]:
        row["status"] = TaskStatus.IN_PROGRESS
        row["acknowledged_date"] = ev.business_date
        if row["first_acknowledged_date"] is None:
            row["first_acknowledged_date"] = ev.business_date
    rows.put(tasks, row)


@PROJECTION.on("TaskReturned")
def _returned(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = TaskStatus.RETURNED
    row["return_count"] += 1
    rows.put(tasks, row)


@PROJECTION.on("TaskFeedbackGiven")
def _feedback(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["feedback_count"] += 1
    if ev.data["lead"]:
        row["last_feedback_date"] = ev.business_date
        rows.put(task_feedbacks, {"task": row["id"], "seq": row["feedback_count"],
                                  "unit": ev.data["unit"], "on_date": ev.business_date})
    rows.put(tasks, row)


@PROJECTION.on("TaskUrged")
def _urged(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["urge_count"] += 1
    row["urge_number"] = ev.data["notice_number"]
    rows.put(tasks, row)
    _numbered(rows, ev)


@PROJECTION.on("TaskExtensionRequested")
def _extension_requested(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["requested_deadline"] = ev.data["deadline"]
    rows.put(tasks, row)


@PROJECTION.on("TaskExtensionDecided")
def _extension_decided(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["requested_deadline"] = None
    if ev.data["approve"]:
        row["deadline"] = ev.data["deadline"]
        row["extension_count"] += 1
    rows.put(tasks, row)


@PROJECTION.on("TaskCompletionReported")
def _completion_reported(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = TaskStatus.AWAITING_ACCEPTANCE
    row["completion_reported_date"] = ev.business_date
    rows.put(tasks, row)


@PROJECTION.on("TaskCompletionAccepted")
def _accepted(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    done = row["completion_reported_date"] or ev.business_date
    row.update(status=TaskStatus.COMPLETED, accepted_date=ev.business_date, completed_date=done,
               on_time=done <= row["deadline"],
               days_to_complete=(date.fromisoformat(done)
                                 - date.fromisoformat(row["registered_on"])).days)
    rows.put(tasks, row)


def _reopen(row: Row) -> None:
    row.update(status=TaskStatus.IN_PROGRESS, completed_date=None, accepted_date=None,
               days_to_complete=None, on_time=None, completion_reported_date=None)


@PROJECTION.on("TaskSentBack")
def _sent_back(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    _reopen(row)
    rows.put(tasks, row)


@PROJECTION.on("TaskEvaluated")
def _evaluated(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["rating"] = ev.data["rating"]
    if ev.data["rating"] == "unsatisfied":
        _reopen(row)  # an unsatisfied author puts the task back in progress
    rows.put(tasks, row)


@PROJECTION.on("TaskWithdrawn")
def _withdrawn(rows: Rows, ev: RecordedEvent) -> None:
    row = _touch(rows, ev)
    row["status"] = TaskStatus.WITHDRAWN
    row["withdrawn_date"] = ev.business_date
    rows.put(tasks, row)


@PROJECTION.on("TaskLightChanged")
def _light(rows: Rows, ev: RecordedEvent) -> None:
    # a fact the scheduler records, not an action on the task: last_action_on stays
    row = rows.get(tasks, _tid(ev))
    row["recorded_light"] = ev.data["light"]
    row["version"] = ev.version
    rows.put(tasks, row)
