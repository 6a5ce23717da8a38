"""What the staff pages need besides the views: the choices of their filters, the search over
names, and the period a page counts when none is asked for.

Plain SQLAlchemy Core over the projection tables, kept portable because an "as of" page
reads an in-memory SQLite snapshot even when the live database is PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from ..projections.projects import annual_plans, monthly_progress, projects
from ..projections.units import units


def matching_projects(term: str) -> Select:
    """Codes of projects whose code or name contains a term (projects are few: a cheap IN)."""
    return select(projects.c.code).where(or_(projects.c.code.contains(term, autoescape=True),
                                             projects.c.name.contains(term, autoescape=True)))


def matching_units(term: str) -> Select:
    return select(units.c.code).where(or_(units.c.code.contains(term, autoescape=True),
                                          units.c.name.contains(term, autoescape=True)))


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


def asked_period(conn, today, year: int | None, through: str | None) -> tuple[int, str]:
    """The year and last month a page asked for (``year``, ``through`` YYYY-MM), each checked and
    otherwise defaulted: the default period, or for another year its last month (this month
    for the current year)."""
    default_year, default_through = default_period(conn, today)
    if not year or not 2000 <= year <= 2100:
        year = default_year
    if not (through and len(through) == 7 and through[:4] == str(year) and "01" <= through[5:] <= "12"):
        through = (default_through if year == default_year else
                   today.strftime("%Y-%m") if year == today.year else f"{year}-12")
    return year, through
