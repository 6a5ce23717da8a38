"""The lists a project belongs to besides its category (a 省重点 project also 重抓重推)."""
from __future__ import annotations

from sqlalchemy import Column, String, Table, select

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata
from .projects import projects

project_lists = Table(
    "proj_project_lists",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("list", String(20), primary_key=True),
)

# The lists as last set per project, so that a new set can drop the rows it no longer holds.
project_list_sets = Table(
    "proj_project_list_sets",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("lists", String(200), nullable=False),  # joined with ","
)

PROJECTION = Projection("project_lists", [project_lists, project_list_sets])


def touch_project(rows: Rows, ev: RecordedEvent) -> None:
    """The project's ledger row follows its stream's version (expected_version reads it)."""
    row = rows.get(projects, ev.data["project"])
    if row is not None:
        rows.put(projects, {**row, "version": ev.version})


@PROJECTION.on("ProjectListsSet")
def _lists_set(rows: Rows, ev: RecordedEvent) -> None:
    code, lists = ev.data["project"], ev.data["lists"]
    before = rows.get(project_list_sets, code)
    for name in (before["lists"].split(",") if before and before["lists"] else ()):
        rows.delete(project_lists, code, name)
    for name in lists:
        rows.put(project_lists, {"project": code, "list": name})
    rows.put(project_list_sets, {"project": code, "lists": ",".join(lists)})
    touch_project(rows, ev)


def lists_of(conn, code: str) -> list[str]:
    return sorted(conn.execute(select(project_lists.c.list)
                               .where(project_lists.c.project == code)).scalars())
