"""The funding ledger (项目资金台账): funds applied for, approved and received per project."""
from __future__ import annotations

from typing import Callable, Iterator

from sqlalchemy import ColumnElement, Connection, Select, String, cast, literal, select

from ..domain.vocab import FUNDING_SOURCES, FUNDING_STAGES
from ..projections.funding import funding_entries
from ..projections.projects import projects
from ..projections.units import units
from .reading import STREAM
from .scope import Scope


def entries() -> Select:
    """Every entry with its project's name, units and leader and the responsible unit's name
    (the staff page's source; ``key`` identifies an entry)."""
    f, p = funding_entries, projects
    key = f.c.project + literal("-") + cast(f.c.version, String)
    return (select(key.label("key"), f.c.project, p.c.name.label("project_name"),
                   p.c.owner_unit, p.c.responsible_unit, p.c.leader,
                   units.c.name.label("unit_name"), f.c.source, f.c.stage, f.c.amount,
                   f.c.document, f.c.on_date, f.c.version)
            .select_from(f.outerjoin(p, p.c.code == f.c.project)
                         .outerjoin(units, units.c.code == p.c.responsible_unit)))


def rows(conn: Connection, scope: Scope, project: str | None = None, source: str | None = None,
         stage: str | None = None, year: int | None = None,
         narrow: Callable[[ColumnElement], ColumnElement[bool]] | None = None) -> list[dict]:
    """The entries the reader may see (a unit reporter: of its unit's projects), in business
    order: the API's answer; ``narrow``: a condition on their ``key``."""
    return list(each(conn, scope, project, source, stage, year, narrow))


def each(conn: Connection, scope: Scope, project: str | None = None, source: str | None = None,
         stage: str | None = None, year: int | None = None,
         narrow: Callable[[ColumnElement], ColumnElement[bool]] | None = None) -> Iterator[dict]:
    """The same entries a batch at a time, as the export writes them."""
    src = entries().subquery("funding")
    q = (select(src).where(scope.projects(src.c.owner_unit, src.c.responsible_unit))
         .order_by(src.c.on_date, src.c.project, src.c.version))
    if narrow is not None:
        q = q.where(narrow(src.c.key))
    for column, value in (("project", project), ("source", source), ("stage", stage)):
        if value:
            q = q.where(src.c[column] == value)
    if year:
        q = q.where(src.c.on_date.between(f"{year:04d}-01-01", f"{year:04d}-12-31"))
    return ({"project": r.project, "project_name": r.project_name, "source": r.source,
             "source_name": FUNDING_SOURCES.get(r.source, r.source), "stage": r.stage,
             "stage_name": FUNDING_STAGES.get(r.stage, r.stage), "amount": r.amount,
             "document": r.document, "date": r.on_date, "version": r.version}
            for r in conn.execute(q.execution_options(**STREAM)))

