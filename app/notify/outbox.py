"""The outbox: the messages the policy decides, folded from the events.

A projection, so each message is written in the same transaction as the event it comes from
(nothing told that did not happen, nothing that happened left untold) and a rebuild writes the
same messages with the same ids: ``{position}-{username}``, stable, so a receiver drops a repeat.
To know whom a group means at the event's moment, it folds the users' events too.
"""
from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from ..events.model import RecordedEvent
from ..projections.base import Projection, Rows, metadata
from .policy import RULES, link_of

outbox = Table(
    "proj_outbox",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("username", String(80), nullable=False),
    Column("position", Integer, nullable=False),
    Column("stream_id", String(120), nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=False),
    Column("created_at", String(40), nullable=False),  # the event's recorded instant (UTC)
    Index("ix_proj_outbox_user", "username", "position"),
    Index("ix_proj_outbox_position", "position"),
)

# users by group ("unit:U01", "role:dispatcher", "leader:王强"), members joined by newlines
notify_groups = Table(
    "proj_notify_groups",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("members", Text, nullable=False),
)

notify_users = Table(
    "proj_notify_users",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("groups", Text, nullable=False),  # joined by newlines
    Column("display_name", String(80)),
)

# what a message needs to say of its subject: the problem's unit, leader and wording
notify_subjects = Table(
    "proj_notify_subjects",
    metadata,
    Column("stream_id", String(120), primary_key=True),
    Column("unit", String(50)),
    Column("leader", String(80)),
    Column("title", String(80)),
)

PROJECTION = Projection("outbox", [outbox, notify_groups, notify_users, notify_subjects])


def _groups_of(role: str, unit: str | None, display_name: str | None) -> list[str]:
    groups = [f"role:{role}"]
    if role == "unit_reporter" and unit:
        groups.append(f"unit:{unit}")
    if role == "leader" and display_name:
        groups.append(f"leader:{display_name}")
    return groups


def _members(rows: Rows, group: str) -> list[str]:
    row = rows.get(notify_groups, group)
    return row["members"].split("\n") if row and row["members"] else []


def _set_groups(rows: Rows, username: str, groups: list[str], display_name: str | None) -> None:
    old = rows.get(notify_users, username)
    for g in (old["groups"].split("\n") if old else []):
        members = [m for m in _members(rows, g) if m != username]
        rows.put(notify_groups, {"name": g, "members": "\n".join(members)})
    for g in groups:
        members = sorted(set(_members(rows, g)) | {username})
        rows.put(notify_groups, {"name": g, "members": "\n".join(members)})
    rows.put(notify_users, {"username": username, "groups": "\n".join(groups),
                            "display_name": display_name})


@PROJECTION.on("UserCreated")
def _user_created(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    _set_groups(rows, d["username"], _groups_of(d["role"], d.get("unit"), d.get("display_name")),
                d.get("display_name"))


@PROJECTION.on("UserRoleChanged")
def _role_changed(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    old = rows.get(notify_users, d["username"])
    name = old["display_name"] if old else None
    _set_groups(rows, d["username"], _groups_of(d["role"], d.get("unit"), name), name)


@PROJECTION.on("ProblemRaised")
def _problem_raised(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    rows.put(notify_subjects, {"stream_id": ev.stream_id, "unit": d.get("unit"), "leader": None,
                               "title": d["description"][:30]})


@PROJECTION.on("ProblemDispatched")
def _problem_dispatched(rows: Rows, ev: RecordedEvent) -> None:
    s = rows.get(notify_subjects, ev.stream_id) or {"stream_id": ev.stream_id, "title": ""}
    rows.put(notify_subjects, {**s, "unit": ev.data["responsible_unit"],
                               "leader": ev.data.get("leader") or s.get("leader")})
    _tell(rows, ev)


@PROJECTION.on("TaskAssigned", "TaskReassigned")
def _task_assigned(rows: Rows, ev: RecordedEvent) -> None:
    d = ev.data
    # a task just registered has no subject row yet: written whole, without asking (as for a
    # problem raised), which on PostgreSQL spares a round trip per new task
    s = (rows.get(notify_subjects, ev.stream_id) if ev.type == "TaskReassigned" else None) or \
        {"stream_id": ev.stream_id, "leader": None, "title": (d.get("title") or "")[:30]}
    rows.put(notify_subjects, {**s, "unit": d["lead_unit"],
                               "leader": d.get("leader") or s.get("leader")})
    _tell(rows, ev)


def _tell(rows: Rows, ev: RecordedEvent) -> None:
    rule = RULES.get(ev.type)
    if rule is None:
        return
    subject = rows.get(notify_subjects, ev.stream_id) or {}
    link = link_of(ev.stream_id)
    for notice in rule(ev, subject):
        people = sorted({u for g in notice.groups for u in _members(rows, g)})
        for username in people:
            rows.put(outbox, {"id": f"{ev.position}-{username}", "username": username,
                              "position": ev.position, "stream_id": ev.stream_id,
                              "event_type": ev.type, "title": notice.title, "body": notice.body,
                              "link": link, "created_at": ev.recorded_at})


# every other type a rule speaks of
PROJECTION.on(*[t for t in RULES
                 if t not in ("ProblemDispatched", "TaskAssigned", "TaskReassigned")])(_tell)
