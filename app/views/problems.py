"""The problem ledger (问题台账): which problems a reader sees, filtered, and what is worked out
on the day it is read (overdue, overdue days, the light)."""
from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy import ColumnElement, Connection, Row, Select, case, func, or_, select

from ..domain.errors import Forbidden, NotFound
from ..domain.statuses import ProblemStatus
from ..projections.problems import overdue_condition, problems
from ..projections.projects import projects
from ..projections.units import units
from .scope import Scope


def owner():
    """The unit a problem belongs to now: its responsible unit, or before dispatch its raising unit."""
    return func.coalesce(problems.c.responsible_unit, problems.c.unit)


def visible(scope: Scope):
    p = problems
    return scope.problems(p.c.unit, p.c.responsible_unit, p.c.leader, p.c.project)


def ledger(scope: Scope, day: date, status: str | None = None, level: int | None = None,
           unit: str | None = None, project: str | None = None,
           overdue: bool | None = None) -> Select:
    """The ledger's rows (the table's columns) the reader may see, in id order."""
    p = problems
    conds = [c for c in (
        visible(scope),
        p.c.status == status if status is not None else None,
        p.c.level == level if level is not None else None,
        owner() == unit if unit is not None else None,
        p.c.project == project if project is not None else None,
    ) if c is not None]
    if overdue is True:
        conds.append(overdue_condition(day.isoformat()))
    elif overdue is False:  # spelled out: NOT over a NULL deadline would drop the undispatched
        conds.append(or_(p.c.status.not_in(ProblemStatus.OPEN), p.c.deadline.is_(None),
                         p.c.deadline >= day.isoformat()))
    return select(p).where(*conds).order_by(p.c.id)


def one(conn: Connection, scope: Scope, problem_id: str) -> Row:
    """One problem the reader may see: 404 when there is none, 403 when it is not theirs."""
    row = conn.execute(select(problems).where(problems.c.id == problem_id)).first()
    if row is None:
        raise NotFound(f"问题“{problem_id}”不存在。")
    if not scope.may_read_problem(row):
        raise Forbidden("只能查看本单位的问题。")
    return row


def is_overdue(row, day: date) -> bool:
    return (row.status in ProblemStatus.OPEN and row.deadline is not None
            and row.deadline < day.isoformat())


def overdue_days(row, day: date) -> int:
    return (day - date.fromisoformat(row.deadline)).days if is_overdue(row, day) else 0


def light(row, day: date) -> str | None:
    """The tasks' light rule on a problem's deadline (红黄绿灯), in working days."""
    return lighting(day)(row)


def lighting(day: date) -> Callable[[Row], str | None]:
    """:func:`light` on ``day`` for many rows: the calendar and the settings are read once."""
    from ..commands.task_rules import deadline_light
    from ..workdays import current, light_settings

    cal, warn = current(), light_settings()[0]
    open_ = ProblemStatus.OPEN
    return lambda row: deadline_light(row.status in open_, row.deadline, day, cal, warn)


def overdue_flag(today: str):
    """1 when the problem is overdue on ``today``, else 0."""
    return case((overdue_condition(today), 1), else_=0)


def acting_unit() -> ColumnElement:
    """The unit that must act on a problem now: the responsible unit, before dispatch the unit
    that raised it (what rectification counts per unit)."""
    return func.coalesce(problems.c.responsible_unit, problems.c.unit)


def rows_with_names(today: str) -> Select:
    """The ledger with the project's and responsible unit's names and the overdue flag of
    ``today`` (the staff page's source)."""
    p = problems
    # Names come from correlated subqueries, not joins: the database then looks them up only
    # for the rows it returns, and counting 100,000 problems stays a count of one table.
    project_name = select(projects.c.name).where(projects.c.code == p.c.project).scalar_subquery()
    unit_name = select(units.c.name).where(units.c.code == p.c.responsible_unit).scalar_subquery()
    project_leader = select(projects.c.leader).where(projects.c.code == p.c.project).scalar_subquery()
    return select(
        p.c.id, p.c.project, project_name.label("project_name"), p.c.category, p.c.source,
        p.c.inspection, p.c.status, p.c.level, p.c.unit, p.c.responsible_unit,
        acting_unit().label("acting_unit"),
        unit_name.label("responsible_unit_name"), p.c.responsible_person, p.c.leader,
        project_leader.label("project_leader"),
        p.c.description, p.c.decision, p.c.deadline,
        overdue_flag(today).label("overdue"),
        p.c.raised_on, p.c.first_dispatched_on, p.c.resolved_on, p.c.days_to_resolve,
        p.c.escalation_count, p.c.urge_count, p.c.extension_count, p.c.last_action_on,
        p.c.version)


def export_rows(scope: Scope, source: str | None = None) -> Select:
    """The ledger the reader may see with the project's name, in id order (the sheets'
    source); ``source`` narrows it to one source (the rectification sheet: ``inspection``)."""
    q = (select(problems, projects.c.name.label("project_name"))
         .select_from(problems.outerjoin(projects, projects.c.code == problems.c.project))
         .where(visible(scope)).order_by(problems.c.id))
    return q if source is None else q.where(problems.c.source == source)


def open_by_project(conn: Connection) -> dict[str, list[str]]:
    """The descriptions of each project's problems not yet resolved, in id order."""
    out: dict[str, list[str]] = {}
    for r in conn.execute(select(problems.c.project, problems.c.description)
                          .where(problems.c.status.in_(ProblemStatus.OPEN),
                                 problems.c.project.is_not(None))
                          .order_by(problems.c.id)):
        out.setdefault(r.project, []).append(r.description)
    return out
