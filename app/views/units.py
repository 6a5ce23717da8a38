"""Units (单位) and their annual investment tasks."""
from __future__ import annotations

from sqlalchemy import Connection, Row, select

from ..domain.errors import NotFound
from ..projections.units import unit_tasks, units


def unit_names(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(units.c.code, units.c.name)).all())


def tasks_by_unit(conn: Connection, codes: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Every year's investment task of each unit: ``{code: {"2026": amount}}``."""
    q = select(unit_tasks)
    if codes is not None:
        q = q.where(unit_tasks.c.unit.in_(codes))
    out: dict[str, dict[str, float]] = {}
    for r in conn.execute(q):
        out.setdefault(r.unit, {})[str(r.year)] = r.amount
    return out


def all_units(conn: Connection) -> list[Row]:
    return list(conn.execute(select(units).order_by(units.c.code)))


def one(conn: Connection, code: str) -> Row:
    row = conn.execute(select(units).where(units.c.code == code)).first()
    if row is None:
        raise NotFound(f"单位“{code}”不存在。")
    return row
