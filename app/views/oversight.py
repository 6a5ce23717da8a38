"""The oversight records: dispatch meetings (调度会), inspections (督查) and bulletins (督查通报),
each as the reader may see them (a unit reporter those that concern its unit)."""
from __future__ import annotations

from sqlalchemy import Connection, func, select

from ..projections.oversight import bulletins as bulletin_table
from ..projections.oversight import inspections as inspection_table
from ..projections.oversight import meetings as meeting_table
from ..projections.problems import problem_dispatches, problems
from .scope import Scope


def _split(value: str, sep: str) -> list[str]:
    return value.split(sep) if value else []


def meetings(conn: Connection, scope: Scope, level: int | None = None) -> list[dict]:
    m = meeting_table
    q = select(m).where(scope.meetings(m.c.id, m.c.attendees)).order_by(m.c.id)
    if level is not None:
        q = q.where(m.c.level == level)
    return [{"id": r.id, "level": r.level, "date": r.on_date, "chair": r.chair, "topic": r.topic,
             "attendees": _split(r.attendees, "、")} for r in conn.execute(q)]


def inspections(conn: Connection, scope: Scope, kind: str | None = None) -> list[dict]:
    i = inspection_table
    q = select(i).where(scope.inspections(i.c.id, i.c.targets)).order_by(i.c.id)
    if kind is not None:
        q = q.where(i.c.kind == kind)
    return [{"id": r.id, "kind": r.kind, "date": r.on_date, "inspectors": _split(r.inspectors, "、"),
             "summary": r.summary, "targets": _split(r.targets, ",")} for r in conn.execute(q)]


def bulletins(conn: Connection, scope: Scope) -> list[dict]:
    b = bulletin_table
    q = select(b).where(scope.bulletins(b.c.inspections)).order_by(b.c.on_date, b.c.number)
    return [{"number": r.number, "title": r.title, "date": r.on_date,
             "inspections": _split(r.inspections, ",")} for r in conn.execute(q)]


def problems_per_meeting(conn: Connection) -> dict[str, int]:
    """How many problems were dispatched at each meeting."""
    d = problem_dispatches
    return dict(conn.execute(select(d.c.meeting, func.count(func.distinct(d.c.problem)))
                             .where(d.c.meeting.is_not(None)).group_by(d.c.meeting)).all())


def problems_found(conn: Connection, scope: Scope) -> dict[str, list[str]]:
    """The ids of the problems each inspection found, of those the reader may see."""
    p = problems
    found: dict[str, list[str]] = {}
    q = (select(p.c.inspection, p.c.id)
         .where(p.c.inspection.is_not(None),
                scope.problems(p.c.unit, p.c.responsible_unit, p.c.leader, p.c.project))
         .order_by(p.c.id))
    for r in conn.execute(q):
        found.setdefault(r.inspection, []).append(r.id)
    return found
