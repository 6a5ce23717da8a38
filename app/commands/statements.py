"""Every statement run in a write transaction beside the events, each as a named function.

Handlers, jobs, imports and the upload cleanup read the projections and the tables that are no
projection (users, uploads, job runs), and write those, only through the functions here. This is
the one module that reaches the transaction's connection (``_conn``): when the transaction
offers reads of its own, the bodies here change and nothing that calls them does.
"""
from __future__ import annotations

import calendar
from datetime import date
from typing import Any, Sequence

from sqlalchemy import Connection, ColumnElement, Select, delete, exists, func, or_, select, update

from ..auth import accounts
from ..auth.tables import users
from ..domain.actors import ADMIN
from ..domain.statuses import ProblemStatus
from ..events.store import Transaction
from ..files.tables import uploads
from ..projections.attachments import attachment_refs
from ..projections.problems import problems
from ..projections.projects import monthly_progress, projects
from ..projections.published import published_reports
from ..projections.tasks import tasks
from ..projections.units import units
from ..views import projects as projects_view

# Projects that owe no monthly progress: not yet approved, or finished.
NOT_REPORTING = ("reserve", "completed")


def _conn(tx: Transaction) -> Connection:
    return tx.conn


def rows(tx: Transaction, query: Select) -> list:
    """The rows of a query built by its caller (an import's lookups by key)."""
    return _conn(tx).execute(query).all()


# -- sequences and the chain ---------------------------------------------------------------
def next_report_number(tx: Transaction) -> int:
    return (_conn(tx).execute(select(func.count()).select_from(published_reports)).scalar()
            or 0) + 1


def chain_head(tx: Transaction) -> tuple[int, str]:
    """Position and hash of the last event, as this transaction sees it."""
    return tx.store.head(_conn(tx))


def tree_root(tx: Transaction, size: int) -> bytes:
    """The Merkle root over the first ``size`` events."""
    from ..events import tree

    return tree.root(_conn(tx), size)


def summary_report(tx: Transaction, period):
    """The report's figures over ``period`` (app/reports/summary.py), as this transaction sees
    the ledger."""
    from ..reports.summary import Report

    return Report(_conn(tx), period)


# -- users ----------------------------------------------------------------------------------
def user(tx: Transaction, username: str):
    return accounts.find_user(_conn(tx), username)


def active_admins(tx: Transaction) -> int:
    return _conn(tx).execute(select(func.count()).select_from(users).where(
        users.c.role == ADMIN, users.c.active.is_(True))).scalar()


def add_user(tx: Transaction, **values: Any) -> None:
    _conn(tx).execute(users.insert().values(**values))


def set_user(tx: Transaction, username: str, **values: Any) -> None:
    _conn(tx).execute(update(users).where(users.c.username == username).values(**values))


def bump_token_generation(tx: Transaction, username: str, **values: Any) -> None:
    """Tokens and sessions carry the generation they were issued under: all of them are refused."""
    set_user(tx, username, token_generation=users.c.token_generation + 1, **values)


def revoke_token(tx: Transaction, username: str, token_id: str, expires, now) -> None:
    accounts.revoke_token(_conn(tx), username, token_id, expires, now)


# -- uploads ----------------------------------------------------------------------------------
def uploads_of(tx: Transaction, hashes: Sequence[str]) -> list:
    """The upload rows of these contents, oldest first."""
    return _conn(tx).execute(
        select(uploads.c.sha256, uploads.c.name, uploads.c.size, uploads.c.content_type,
               uploads.c.uploaded_by)
        .where(uploads.c.sha256.in_(list(hashes))).order_by(uploads.c.id)).all()


def remove_unnamed_uploads(tx: Transaction, cutoff: str) -> list[str]:
    """Remove the upload rows older than ``cutoff`` that no event names; the contents left with
    no upload row at all."""
    conn = _conn(tx)
    referenced = exists().where(attachment_refs.c.sha256 == uploads.c.sha256)
    old = conn.execute(select(uploads.c.id, uploads.c.sha256)
                       .where(uploads.c.uploaded_at < cutoff, ~referenced)).all()
    if old:
        conn.execute(delete(uploads).where(uploads.c.id.in_([r.id for r in old])))
    return [h for h in sorted({r.sha256 for r in old})
            if not conn.execute(select(exists().where(uploads.c.sha256 == h))).scalar()]


# -- the jobs' ledger -------------------------------------------------------------------------
def period_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def unit_names(tx: Transaction, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(_conn(tx).execute(select(units.c.code, units.c.name)
                                  .where(units.c.code.in_(codes))).all())


def missing_progress(tx: Transaction, period: str) -> dict[str, list[tuple[str, str]]]:
    """Per responsible unit, the projects that owe progress for a month and have none."""
    reported = (select(monthly_progress.c.project)
                .where(monthly_progress.c.project == projects.c.code,
                       monthly_progress.c.period == period).exists())
    q = (select(projects.c.code, projects.c.name, projects.c.responsible_unit)
         .where(projects.c.stage.notin_(NOT_REPORTING), ~reported,
                # a project registered after the month cannot owe it
                (projects.c.registered_on.is_(None))
                | (projects.c.registered_on <= period_end(period).isoformat()))
         .order_by(projects.c.responsible_unit, projects.c.code))
    out: dict[str, list[tuple[str, str]]] = {}
    for code, name, unit in _conn(tx).execute(q):
        out.setdefault(unit, []).append((code, name))
    return out


def plan_progress(tx: Transaction, period: str) -> list[dict]:
    """Each major project with a plan for the period's year (the fast/slow list's ranking)."""
    return projects_view.plan_progress(_conn(tx), period)


def overdue_problems(tx: Transaction, today: date) -> list[tuple[str, str]]:
    """(id, deadline) of each open problem past a deadline not yet recorded as overdue."""
    p = problems.c
    return _conn(tx).execute(
        select(p.id, p.deadline)
        .where(p.status.notin_(ProblemStatus.CLOSED), p.deadline.is_not(None),
               p.deadline < today.isoformat(),
               # an extended deadline differs from the one recorded: a new clock
               p.overdue_recorded.is_(None) | (p.overdue_recorded != p.deadline))
        .order_by(p.id)).all()


def deadlines_between(tx: Transaction, first: date, last: date) -> list[tuple[str, str]]:
    """(id, deadline) of each problem in progress with a deadline from ``first`` to ``last``."""
    p = problems.c
    return _conn(tx).execute(
        select(p.id, p.deadline).where(
            p.status == ProblemStatus.IN_PROGRESS, p.deadline >= first.isoformat(),
            p.deadline <= last.isoformat())
        .order_by(p.id)).all()


def tasks_with_changed_light(tx: Transaction, light: ColumnElement,
                             closed: Sequence[str]) -> list[str]:
    """Ids of the tasks whose light (``light``, computed in SQL) differs from the one recorded."""
    t = tasks.c
    return list(_conn(tx).execute(
        select(t.id)
        .where(or_(t.status.notin_(closed), t.recorded_light.is_not(None)),
               light.is_distinct_from(t.recorded_light))
        .order_by(t.id)).scalars().all())


def finish_job_run(tx: Transaction, run_id: int, **values: Any) -> None:
    """A run's record, in the transaction of its events: both or neither."""
    from ..scheduler.tables import job_runs  # the scheduler's package runs commands: not at import

    _conn(tx).execute(update(job_runs).where(job_runs.c.id == run_id).values(**values))
