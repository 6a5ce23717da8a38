"""Units and their tasks."""
from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import select

from ..domain.errors import NotFound
from ..projections.units import unit_tasks, units
from .queries import AsOfArgs, QuerySpec, QueryView


class UnitArgs(AsOfArgs):
    code = fields.String(required=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    version = fields.Integer()
    tasks = fields.Dict(keys=fields.String(), values=fields.Float())


def _tasks(conn, codes: list[str] | None = None) -> dict[str, dict[str, float]]:
    q = select(unit_tasks)
    if codes is not None:
        q = q.where(unit_tasks.c.unit.in_(codes))
    out: dict[str, dict[str, float]] = {}
    for r in conn.execute(q):
        out.setdefault(r.unit, {})[str(r.year)] = r.amount
    return out


def _unit_json(row, tasks) -> dict:
    return {"code": row.code, "name": row.name, "kind": row.kind, "version": row.version,
            "tasks": tasks.get(row.code, {})}


def list_units(view: QueryView, args: dict) -> list[dict]:
    tasks = _tasks(view.conn)
    return [_unit_json(r, tasks) for r in view.conn.execute(select(units).order_by(units.c.code))]


def get_unit(view: QueryView, args: dict) -> dict:
    row = view.conn.execute(select(units).where(units.c.code == args["code"])).first()
    if row is None:
        raise NotFound(f"单位“{args['code']}”不存在。")
    return _unit_json(row, _tasks(view.conn, [row.code]))


QUERIES = [
    QuerySpec("/units", list_units, AsOfArgs, "单位列表", UnitOut(many=True), tags=("单位",)),
    QuerySpec("/units/{code}", get_unit, UnitArgs, "单位详情", UnitOut, tags=("单位",)),
]
