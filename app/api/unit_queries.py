"""Units and their tasks."""
from __future__ import annotations

from marshmallow import Schema, fields
from ..views import units
from .queries import AsOfArgs, QuerySpec, QueryView


class UnitArgs(AsOfArgs):
    code = fields.String(required=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    version = fields.Integer()
    tasks = fields.Dict(keys=fields.String(), values=fields.Float())


def _unit_json(row, tasks) -> dict:
    return {"code": row.code, "name": row.name, "kind": row.kind, "version": row.version,
            "tasks": tasks.get(row.code, {})}


def list_units(view: QueryView, args: dict) -> list[dict]:
    tasks = units.tasks_by_unit(view.conn)
    return [_unit_json(r, tasks) for r in units.all_units(view.conn)]


def get_unit(view: QueryView, args: dict) -> dict:
    row = units.one(view.conn, args["code"])
    return _unit_json(row, units.tasks_by_unit(view.conn, [row.code]))


QUERIES = [
    QuerySpec("/units", list_units, AsOfArgs, "单位列表", UnitOut(many=True), tags=("单位",)),
    QuerySpec("/units/{code}", get_unit, UnitArgs, "单位详情", UnitOut, tags=("单位",)),
]
