"""Who reads what, written once: every ledger, figure, page and export asks :class:`Scope`.

- a unit reporter: the projects its unit owns or answers for, the problems raised by or
  assigned to its unit, the tasks its unit leads or helps with, its own unit's row of a figure
  per unit, and the oversight records that concern its unit;
- a leader: everything, except the tasks, of which the ones they lead (and, where a page lists
  what is theirs to do, ``mine=True``: their own projects and problems);
- an inspector, a dispatcher, an admin (and the system): everything.

Each rule is a SQL condition over the columns the caller names, so it narrows a query in the
database (a page of 20 rows out of 100,000 stays a page), and the same rule answers whether
one row may be read (``may_read_*``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, false, literal, or_, select, true

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER, Actor
from ..domain.errors import Forbidden
from ..projections.oversight import inspections
from ..projections.problems import problem_dispatches, problems
from ..projections.projects import projects
from ..projections.tasks import task_units, tasks
from ..projections.units import units

READ_ALL = (ADMIN, DISPATCHER, INSPECTOR, LEADER, "system")
READ_ALL_TASKS = (ADMIN, DISPATCHER, INSPECTOR, "system")
# the global event feed (its security facts only for those who read the security log)
FEED_ROLES = (ADMIN, DISPATCHER, INSPECTOR, LEADER)


@dataclass(frozen=True)
class Scope:
    """What part of the ledgers an actor may read."""

    actor: Actor

    @property
    def everything(self) -> bool:
        return self.actor.role in READ_ALL

    @property
    def unit(self) -> str | None:
        """The unit a unit reporter is held to; None for every other role."""
        return self.actor.unit if self.actor.role == UNIT_REPORTER else None

    @property
    def leader_name(self) -> str:
        """A leader's name as written on projects and tasks (挂联领导, 督办领导)."""
        return self.actor.display_name or self.actor.username

    # -- projects and problems ---------------------------------------------------
    def projects(self, owner: ColumnElement, responsible: ColumnElement,
                 leader: ColumnElement | None = None, mine: bool = False) -> ColumnElement[bool]:
        if self.unit is not None:
            return or_(owner == self.unit, responsible == self.unit)
        if mine and self.actor.role == LEADER and leader is not None:
            return leader == self.leader_name
        return true() if self.everything else false()

    def may_read_project(self, row) -> bool:
        return self.unit is None or self.unit in (row.owner_unit, row.responsible_unit)

    def problems(self, unit: ColumnElement, responsible: ColumnElement,
                 leader: ColumnElement | None = None, project: ColumnElement | None = None,
                 mine: bool = False) -> ColumnElement[bool]:
        if self.unit is not None:
            return or_(responsible == self.unit, unit == self.unit)
        if mine and self.actor.role == LEADER and leader is not None and project is not None:
            led = select(projects.c.code).where(projects.c.leader == self.leader_name)
            return or_(leader == self.leader_name, project.in_(led.scalar_subquery()))
        return true() if self.everything else false()

    def may_read_problem(self, row) -> bool:
        return self.unit is None or self.unit in (row.unit, row.responsible_unit)

    def units(self, unit: ColumnElement) -> ColumnElement[bool]:
        """A figure per unit: a unit reporter reads its own unit's row."""
        return unit == self.unit if self.unit is not None else true()

    # -- tasks ----------------------------------------------------------------------
    def tasks(self, task_id: ColumnElement, leader: ColumnElement) -> ColumnElement[bool]:
        """The tasks a unit reporter's unit leads or helps with; the tasks a leader leads."""
        if self.unit is not None:
            return task_id.in_(tasks_of_unit(self.unit))
        if self.actor.role == LEADER:
            return leader == self.leader_name
        if self.actor.role in READ_ALL_TASKS:
            return true()
        raise Forbidden("您的角色无权查看督办事项。")

    def task_table(self) -> ColumnElement[bool]:
        return self.tasks(tasks.c.id, tasks.c.leader)

    # -- the oversight records (督查, 调度会, 通报) ----------------------------------------
    def _reporter_problems(self) -> Select:
        """Ids of the problems that concern the reporter's unit: raised by it, assigned to it, or
        on a project it owns or answers for."""
        u = self.unit
        theirs = select(projects.c.code).where(or_(projects.c.owner_unit == u,
                                                   projects.c.responsible_unit == u))
        p = problems
        return select(p.c.id).where(or_(p.c.unit == u, p.c.responsible_unit == u,
                                        p.c.project.in_(theirs.scalar_subquery())))

    def inspections(self, inspection_id: ColumnElement,
                    targets: ColumnElement) -> ColumnElement[bool]:
        """The inspections that inspected the unit (its code among the targets) or found a problem
        that concerns it."""
        if self.unit is None:
            return true()
        found = (select(problems.c.inspection)
                 .where(problems.c.inspection.is_not(None),
                        problems.c.id.in_(self._reporter_problems().scalar_subquery())))
        return or_(_listed(targets).contains(f",{self.unit},", autoescape=True),
                   inspection_id.in_(found.scalar_subquery()))

    def meetings(self, meeting_id: ColumnElement, attendees: ColumnElement) -> ColumnElement[bool]:
        """The meetings the unit attended (its name among the attendees) and those that took a
        dispatch decision on a problem that concerns the unit or assigned one to it."""
        if self.unit is None:
            return true()
        d = problem_dispatches
        decided = select(d.c.meeting).where(d.c.meeting.is_not(None), or_(
            d.c.responsible_unit == self.unit,
            d.c.problem.in_(self._reporter_problems().scalar_subquery())))
        name = select(units.c.name).where(units.c.code == self.unit).scalar_subquery()
        return or_(meeting_id.in_(decided.scalar_subquery()),
                   _listed(attendees, "、").contains(literal("、") + name + literal("、")))

    def bulletins(self, listed_inspections: ColumnElement) -> ColumnElement[bool]:
        """The bulletins that report an inspection the unit may read."""
        if self.unit is None:
            return true()
        i = inspections
        return exists(select(i.c.id).where(
            self.inspections(i.c.id, i.c.targets),
            _listed(listed_inspections).contains(literal(",") + i.c.id + literal(","))))


def tasks_of_unit(unit: str) -> Select:
    """The tasks a unit leads or helps with, read from the unit's end of ``proj_task_units``: an
    EXISTS per task lets the planner walk every task by status first (seconds at 100,000)."""
    return select(task_units.c.task).where(task_units.c.unit == unit)


def _listed(joined: ColumnElement, sep: str = ",") -> ColumnElement:
    """A joined list with the separator on each side, so that ``,X,`` matches one whole item."""
    return literal(sep) + joined + literal(sep)


def scope_key(actor: Actor) -> tuple:
    """What of an actor changes what a page shows (for keys of cached results)."""
    return (actor.role, actor.unit, actor.display_name or actor.username)
