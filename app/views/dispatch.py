"""Dispatch statistics (调度统计) and rectification tracking (整改跟踪): one definition each,
read by the API (``/dispatch-stats``, ``/rectification``), the staff pages, the exports and the
half-year report.

Dispatch, over a span of business dates (a report's period, or all time):
- a problem is **dispatched** in the span when at least one dispatch decision on it is dated in
  it; the **problem projects** are the distinct projects among them;
- a problem is **resolved** in the span when it was verified resolved in it and not reopened
  since;
- the **meetings** are the dispatch meetings dated in it.
Per level: the problems with a decision at that level dated in the span (a problem dispatched at
two levels counts at each), the meetings at that level, and the resolved problems at the level
they were verified at (a resolved problem keeps its level). Per unit: the problems counted above
by the unit responsible for them now, so that the rows add up to the totals: dispatched, of those
still open and overdue, and resolved.

Rectification: the problems found by inspections (withdrawn ones left out), per the unit that
must act now (the responsible unit, before dispatch the raising unit): total, resolved, open
(raised, in progress, awaiting verification: total = resolved + open), overdue.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)

from ..domain.statuses import ProblemStatus
from ..domain.vocab import LEVELS
from ..projections.oversight import meetings
from ..projections.problems import overdue_condition, problem_dispatches, problem_verifications, problems
from ..projections.units import units
from .problems import acting_unit
from .scope import Scope


@dataclass(frozen=True)
class Span:
    """Business dates from ``start`` to ``end`` (ISO, both included); None: unbounded. A report's
    :class:`~app.reports.summary.Period` is one too (it has ``start`` and ``end``)."""

    start: str | None = None
    end: str | None = None


ALL_TIME = Span()


def in_span(column: ColumnElement, span) -> ColumnElement[bool]:
    conds = [c for c in (column >= span.start if span.start else None,
                         column <= span.end if span.end else None) if c is not None]
    return and_(true(), *conds)


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# -- the sets the figures count --------------------------------------------------------
def dispatched(span) -> Select:
    """Ids of the problems with a dispatch decision dated in the span."""
    d = problem_dispatches
    return select(d.c.problem).distinct().where(in_span(d.c.on_date, span))


def _project_of(d) -> ColumnElement:
    """The project of a dispatch decision; NULL when none (an empty code is no project)."""
    return case((d.c.project != "", d.c.project))


def problem_projects(span) -> Select:
    """Codes of the distinct projects among them."""
    d = problem_dispatches
    code = _project_of(d)
    return (select(code.label("project")).distinct().where(in_span(d.c.on_date, span))
            .where(code.is_not(None)))


def resolved(span) -> Select:
    """Ids of the problems verified resolved in the span and not reopened since."""
    v = problem_verifications
    return (select(v.c.problem).distinct().where(in_span(v.c.verified_on, span))
            .where(v.c.reopened_on.is_(None)))


def meetings_held(span) -> Select:
    """Ids of the dispatch meetings dated in the span."""
    return select(meetings.c.id).where(in_span(meetings.c.on_date, span))


# -- the statistics --------------------------------------------------------------------------
def by_unit(span, today: str) -> Select:
    """Per unit responsible now: dispatched, resolved, in progress (of the dispatched, still
    open), overdue (of the dispatched, on ``today``); with the unit's name.

    Read from the two sets (decisions and verifications in the span), each problem counted once
    and its row looked up by key: the work grows with the span's decisions, not the ledger."""
    d, v, p = problem_dispatches, problem_verifications, problems
    one, zero = literal_column("1"), literal_column("0")  # integers in SQL, not parameters
    marks = union_all(
        select(d.c.problem.label("id"), one.label("d"), zero.label("r"))
        .where(in_span(d.c.on_date, span)),
        select(v.c.problem.label("id"), zero.label("d"), one.label("r"))
        .where(in_span(v.c.verified_on, span), v.c.reopened_on.is_(None))).subquery("marks")
    flags = (select(marks.c.id, func.max(marks.c.d).label("d"), func.max(marks.c.r).label("r"))
             .group_by(marks.c.id).subquery("flags"))
    dispatched_now = flags.c.d == 1
    inner = (select(
        p.c.responsible_unit.label("unit"),
        func.count(case((dispatched_now, p.c.id))).label("dispatched"),
        func.count(case((flags.c.r == 1, p.c.id))).label("resolved"),
        func.count(case((and_(dispatched_now, p.c.status.in_(ProblemStatus.OPEN)), p.c.id)))
        .label("in_progress"),
        func.count(case((and_(dispatched_now, overdue_condition(today)), p.c.id)))
        .label("overdue"))
        .select_from(flags.join(p, p.c.id == flags.c.id))
        .where(p.c.responsible_unit.is_not(None))
        .group_by(p.c.responsible_unit).subquery("by_unit"))
    return (select(inner, units.c.name.label("name"))
            .select_from(inner.outerjoin(units, units.c.code == inner.c.unit)))


def _count(conn: Connection, q: Select) -> int:
    return conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()


def _mine(q: Select, problem: ColumnElement, scope: Scope) -> Select:
    """A unit reporter's figures count the problems its unit is responsible for now."""
    if scope.unit is None:
        return q
    return q.where(problem.in_(select(problems.c.id)
                               .where(problems.c.responsible_unit == scope.unit)))


def by_level(conn: Connection, span, scope: Scope) -> list[dict]:
    """Per level: problems dispatched at it, meetings held at it, problems resolved at it."""
    d = problem_dispatches
    dispatched_at = dict(conn.execute(_mine(
        select(d.c.level, func.count(d.c.problem.distinct())).where(in_span(d.c.on_date, span))
        .group_by(d.c.level), d.c.problem, scope)).all())
    held = dict(conn.execute(select(meetings.c.level, func.count())
                             .where(in_span(meetings.c.on_date, span))
                             .group_by(meetings.c.level)).all())
    v = problem_verifications
    resolved_at = dict(conn.execute(
        select(problems.c.level, func.count())
        .where(problems.c.id.in_(_mine(resolved(span), v.c.problem, scope)))
        .group_by(problems.c.level)).all())
    return [{"level": lv, "level_name": name, "problems_dispatched": dispatched_at.get(lv, 0),
             "meetings": held.get(lv, 0), "resolved": resolved_at.get(lv, 0)}
            for lv, name in LEVELS.items()]


def statistics(conn: Connection, span, today: str, scope: Scope) -> dict:
    """``{"by_level": [...], "by_unit": [...]}``: the answer of ``/dispatch-stats``, the staff
    page 调度统计 and the export 调度统计表."""
    src = by_unit(span, today).subquery("s")
    rows = conn.execute(select(src).where(scope.units(src.c.unit)).order_by(src.c.unit))
    return {"by_level": by_level(conn, span, scope),
            "by_unit": [{"unit": r.unit, "name": r.name, "dispatched": r.dispatched,
                         "resolved": r.resolved, "in_progress": r.in_progress,
                         "overdue": r.overdue} for r in rows]}


def totals(conn: Connection, span, scope: Scope, levels: list[dict]) -> dict[str, int]:
    """The span's totals (a problem dispatched at two levels is one problem): the summary's
    ``dispatch`` figures for the reader's scope. ``levels``: :func:`by_level`'s answer, whose
    resolved problems (each at one level) add up to the total."""
    d = problem_dispatches
    dispatched_n, projects_n = conn.execute(_mine(
        select(func.count(d.c.problem.distinct()), func.count(_project_of(d).distinct()))
        .where(in_span(d.c.on_date, span)), d.c.problem, scope)).one()
    return {"meetings": _count(conn, meetings_held(span)), "problems_dispatched": dispatched_n,
            "problem_projects": projects_n,
            "problems_resolved": sum(level["resolved"] for level in levels)}


# -- rectification -------------------------------------------------------------------------------
NO_UNIT = "（未指定）"


def rectification(today: str) -> Select:
    """Per unit that must act now (NULL: none yet), with its name: total, resolved, in_progress,
    overdue, rate (resolved ÷ total)."""
    p = problems
    unit = acting_unit()
    total = func.count()
    done = func.count(case((p.c.status == ProblemStatus.RESOLVED, 1)))
    inner = (select(unit.label("unit"), total.label("total"), done.label("resolved"),
                    func.count(case((p.c.status.in_(ProblemStatus.OPEN), 1))).label("in_progress"),
                    func.count(case((overdue_condition(today), 1))).label("overdue"),
                    (done * literal(1.0) / total).label("rate"))
             .where(p.c.source == "inspection", p.c.status != ProblemStatus.WITHDRAWN)
             .group_by(unit).subquery("rect"))
    return (select(inner, units.c.name.label("name"))
            .select_from(inner.outerjoin(units, units.c.code == inner.c.unit)))


def rectification_rows(conn: Connection, today: str, scope: Scope) -> list[dict]:
    src = rectification(today).subquery("r")
    rows = conn.execute(select(src).where(scope.units(src.c.unit))
                        .order_by(func.coalesce(src.c.unit, "")))
    return [{"unit": r.unit, "name": r.name, "total": r.total, "resolved": r.resolved,
             "in_progress": r.in_progress, "overdue": r.overdue,
             "rate": ratio(r.resolved, r.total)} for r in rows]
