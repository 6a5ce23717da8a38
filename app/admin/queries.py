"""Read-side SQL shared by the ledgers, the home page and the timelines.

Plain SQLAlchemy Core over the projection tables, kept portable because an "as of" page
reads an in-memory SQLite snapshot even when the live database is PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER, Actor
from ..projections.oversight import inspections
from ..projections.problems import OPEN_STATUSES, overdue_condition, problem_dispatches, problems
from ..projections.projects import annual_plans, monthly_progress, projects, ytd_select
from ..projections.units import unit_tasks, units

# Open problems: only these can be overdue (the same rule as the API's problem ledger).
# Stages whose projects report monthly progress (储备 and 竣工 do not).
REPORTING_STAGES = ("preliminary", "planned_new", "new_start", "continuing")


@dataclass(frozen=True)
class Scope:
    """What part of the ledgers an actor may read: a unit reporter its own unit's rows (and the
    inspections, meetings and bulletins that concern its unit), every other role everything (the
    API and the pages alike). ``mine`` narrows a leader to their own projects where a page lists
    what is theirs to do (the home page's to-dos)."""

    actor: Actor

    @property
    def everything(self) -> bool:
        return self.actor.role in (ADMIN, DISPATCHER, INSPECTOR, LEADER, "system")

    @property
    def leader_name(self) -> str:
        return self.actor.display_name or self.actor.username

    def projects(self, owner: ColumnElement, responsible: ColumnElement,
                 leader: ColumnElement, mine: bool = False) -> ColumnElement[bool]:
        if self.actor.role == UNIT_REPORTER:
            return or_(owner == self.actor.unit, responsible == self.actor.unit)
        if mine and self.actor.role == LEADER:
            return leader == self.leader_name
        return true() if self.everything else false()

    def problems(self, unit: ColumnElement, responsible: ColumnElement, leader: ColumnElement,
                 project: ColumnElement, mine: bool = False) -> ColumnElement[bool]:
        if self.actor.role == UNIT_REPORTER:
            return or_(responsible == self.actor.unit, unit == self.actor.unit)
        if mine and self.actor.role == LEADER:
            led = select(projects.c.code).where(projects.c.leader == self.leader_name)
            return or_(leader == self.leader_name, project.in_(led.scalar_subquery()))
        return true() if self.everything else false()

    def units(self, unit: ColumnElement) -> ColumnElement[bool]:
        if self.actor.role == UNIT_REPORTER:
            return unit == self.actor.unit
        return true()

    # What concerns a unit among the oversight records (督查, 调度会, 通报); a unit reporter reads
    # those only, every other role all of them.
    def _reporter_problems(self) -> Select:
        """Ids of the problems that concern the reporter's unit: raised by it, assigned to it, or
        on a project it owns or answers for."""
        u = self.actor.unit
        theirs = select(projects.c.code).where(or_(projects.c.owner_unit == u,
                                                   projects.c.responsible_unit == u))
        p = problems
        return select(p.c.id).where(or_(p.c.unit == u, p.c.responsible_unit == u,
                                        p.c.project.in_(theirs.scalar_subquery())))

    def inspections(self, inspection_id: ColumnElement,
                    targets: ColumnElement) -> ColumnElement[bool]:
        """The inspections that inspected the unit (its code among the targets) or found a problem
        that concerns it."""
        if self.actor.role != UNIT_REPORTER:
            return true()
        found = (select(problems.c.inspection)
                 .where(problems.c.inspection.is_not(None),
                        problems.c.id.in_(self._reporter_problems().scalar_subquery())))
        return or_(_listed(targets).contains(f",{self.actor.unit},", autoescape=True),
                   inspection_id.in_(found.scalar_subquery()))

    def meetings(self, meeting_id: ColumnElement, attendees: ColumnElement) -> ColumnElement[bool]:
        """The meetings the unit attended (its name among the attendees) and those that took a
        dispatch decision on a problem that concerns the unit or assigned one to it."""
        if self.actor.role != UNIT_REPORTER:
            return true()
        d = problem_dispatches
        decided = select(d.c.meeting).where(d.c.meeting.is_not(None), or_(
            d.c.responsible_unit == self.actor.unit,
            d.c.problem.in_(self._reporter_problems().scalar_subquery())))
        name = select(units.c.name).where(units.c.code == self.actor.unit).scalar_subquery()
        return or_(meeting_id.in_(decided.scalar_subquery()),
                   _listed(attendees, "、").contains(literal("、") + name + literal("、")))

    def bulletins(self, listed_inspections: ColumnElement) -> ColumnElement[bool]:
        """The bulletins that report an inspection the unit may read."""
        if self.actor.role != UNIT_REPORTER:
            return true()
        i = inspections
        return exists(select(i.c.id).where(
            self.inspections(i.c.id, i.c.targets),
            _listed(listed_inspections).contains(literal(",") + i.c.id + literal(","))))


def _listed(joined: ColumnElement, sep: str = ",") -> ColumnElement:
    """A joined list with the separator on each side, so that ``,X,`` matches one whole item."""
    return literal(sep) + joined + literal(sep)


def overdue_flag(today: str) -> ColumnElement[int]:
    """1 when the problem is overdue on ``today``, else 0."""
    return case((overdue_condition(today), 1), else_=0)


def problem_rows(today: str) -> Select:
    """The problem ledger with names joined in and the overdue flag as of `today`."""
    p = problems
    # Names come from correlated subqueries, not joins: the database then looks them up only
    # for the rows it returns, and counting 100,000 problems stays a count of one table.
    project_name = select(projects.c.name).where(projects.c.code == p.c.project).scalar_subquery()
    unit_name = select(units.c.name).where(units.c.code == p.c.responsible_unit).scalar_subquery()
    return select(
        p.c.id, p.c.project, project_name.label("project_name"), p.c.category, p.c.source,
        p.c.inspection, p.c.status, p.c.level, p.c.unit, p.c.responsible_unit,
        unit_name.label("responsible_unit_name"), p.c.responsible_person, p.c.leader,
        p.c.description, p.c.decision, p.c.deadline,
        overdue_flag(today).label("overdue"),
        p.c.raised_on, p.c.first_dispatched_on, p.c.resolved_on, p.c.days_to_resolve,
        p.c.escalation_count, p.c.urge_count, p.c.extension_count, p.c.last_action_on,
        p.c.version)


def matching_projects(term: str) -> Select:
    """Codes of projects whose code or name contains a term (projects are few: a cheap IN)."""
    return select(projects.c.code).where(or_(projects.c.code.contains(term, autoescape=True),
                                             projects.c.name.contains(term, autoescape=True)))


def matching_units(term: str) -> Select:
    return select(units.c.code).where(or_(units.c.code.contains(term, autoescape=True),
                                          units.c.name.contains(term, autoescape=True)))


def project_rows(year: int, period: str) -> Select:
    """The project ledger for a year: plan, year-to-date, ratio, and whether `period` is reported."""
    p = projects
    owner, resp = units.alias("owner"), units.alias("resp")
    ytd = ytd_select(year).subquery("ytd")
    plan = (select(annual_plans.c.project, annual_plans.c.planned_investment)
            .where(annual_plans.c.year == year).subquery("plan"))
    done = func.coalesce(ytd.c.ytd, 0.0)
    missing = case((and_(p.c.stage.in_(REPORTING_STAGES),
                         or_(p.c.last_period.is_(None), p.c.last_period < period)), 1), else_=0)
    return (select(
        p.c.code, p.c.name, p.c.category, p.c.stage, p.c.owner_unit,
        owner.c.name.label("owner_unit_name"), p.c.responsible_unit,
        resp.c.name.label("responsible_unit_name"), p.c.leader, p.c.total_investment,
        plan.c.planned_investment.label("plan"), done.label("ytd"),
        case((plan.c.planned_investment > 0, done / plan.c.planned_investment),
             else_=None).label("plan_ratio"),
        p.c.planned_start, p.c.registered_on, p.c.stats_entry_on, p.c.last_period,
        missing.label("missing_progress"), p.c.outliers, p.c.version)
        .select_from(p.outerjoin(owner, owner.c.code == p.c.owner_unit)
                     .outerjoin(resp, resp.c.code == p.c.responsible_unit)
                     .outerjoin(ytd, ytd.c.project == p.c.code)
                     .outerjoin(plan, plan.c.project == p.c.code)))


def double_half_rows(year: int, through: str) -> Select:
    """Double-over-half (双过半): per unit with a task, completed against task × months / 12."""
    months = int(through[5:7])
    mp, p = monthly_progress, projects
    done = (select(p.c.responsible_unit.label("unit"),
                   func.sum(mp.c.month_investment).label("completed"))
            .select_from(mp.join(p, p.c.code == mp.c.project))
            .where(mp.c.year == year, mp.c.period <= through)
            .group_by(p.c.responsible_unit).subquery("done"))
    t = unit_tasks
    completed = func.coalesce(done.c.completed, 0.0)
    required = t.c.amount * months / 12.0
    return (select(
        t.c.unit, units.c.name.label("unit_name"), units.c.kind, t.c.amount.label("task"),
        required.label("required"), completed.label("completed"),
        case((t.c.amount > 0, completed / t.c.amount), else_=None).label("ratio"),
        case((completed < required, 1), else_=0).label("behind"))
        .select_from(t.outerjoin(units, units.c.code == t.c.unit)
                     .outerjoin(done, done.c.unit == t.c.unit))
        .where(t.c.year == year))


def rectification_rows(today: str) -> Select:
    """Rectification tracking (整改跟踪): problems found by inspections, per responsible unit."""
    p = problems
    unit = func.coalesce(p.c.responsible_unit, p.c.unit, literal("（未指定）"))
    overdue = overdue_flag(today)
    resolved = func.sum(case((p.c.status == "resolved", 1), else_=0))
    total = func.count()
    inner = (select(unit.label("unit"), total.label("total"), resolved.label("resolved"),
                    func.sum(case((p.c.status.in_(OPEN_STATUSES), 1),
                                  else_=0)).label("in_progress"),
                    func.sum(overdue).label("overdue"),
                    (cast(resolved, Integer) * 1.0 / total).label("rate"))
             # as the API counts them: found by inspections, withdrawn ones left out
             .where(p.c.source == "inspection", p.c.status != "withdrawn")
             .group_by(unit).subquery("rect"))
    return (select(inner, units.c.name.label("unit_name"))
            .select_from(inner.outerjoin(units, units.c.code == inner.c.unit)))


def dispatch_rows(today: str, start: str, end: str) -> Select:
    """Dispatch statistics (调度统计): decisions dated in [start, end], per level and unit."""
    d, p = problem_dispatches, problems
    # A problem's standing comes from two id lists read off the (status, deadline, id) index,
    # not from a join per decision: on SQLite the join looks up every problem's row.
    resolved = select(p.c.id).where(p.c.status == "resolved")
    overdue = select(p.c.id).where(overdue_condition(today))
    inner = (select(
        d.c.level, d.c.responsible_unit.label("unit"), func.count().label("decisions"),
        func.count(d.c.problem.distinct()).label("problems"),
        func.count(d.c.project.distinct()).label("projects"),
        func.count(case((d.c.problem.in_(resolved), d.c.problem)).distinct()).label("resolved"),
        func.count(case((d.c.problem.in_(overdue), d.c.problem)).distinct()).label("overdue"))
        .where(d.c.on_date >= start, d.c.on_date <= end)
        .group_by(d.c.level, d.c.responsible_unit).subquery("disp"))
    return (select(inner, units.c.name.label("unit_name"))
            .select_from(inner.outerjoin(units, units.c.code == inner.c.unit)))


def unit_choices(conn) -> list[tuple[str, str]]:
    return [(r.code, f"{r.code} {r.name}") for r in
            conn.execute(select(units.c.code, units.c.name).order_by(units.c.code))]


def leader_choices(conn) -> list[tuple[str, str]]:
    rows = conn.execute(select(projects.c.leader).where(projects.c.leader.is_not(None))
                        .distinct().order_by(projects.c.leader))
    return [(r.leader, r.leader) for r in rows]


def default_period(conn, today) -> tuple[int, str]:
    """The year and last month a page counts when none is asked for: this year to this month;
    or, when this year has no plans yet (history entered after the fact, the demonstration),
    the latest planned year through its latest reported month."""
    year = today.year
    has_plans = conn.execute(select(annual_plans.c.year).where(annual_plans.c.year == year)
                             .limit(1)).first()
    if has_plans:
        return year, today.strftime("%Y-%m")
    latest = conn.execute(select(func.max(annual_plans.c.year))).scalar()
    if latest is None or latest > year:
        return year, today.strftime("%Y-%m")
    last = conn.execute(select(func.max(monthly_progress.c.period))
                        .where(monthly_progress.c.year == latest)).scalar()
    return latest, last or f"{latest}-12"


def scope_key(actor: Actor) -> tuple:
    """What of an actor changes what a page shows (for keys of cached results)."""
    return (actor.role, actor.unit, actor.display_name or actor.username)
