"""The funding ledger (项目资金台账): GET /funding?project=&source=&stage=&year=."""
from __future__ import annotations

import math

from marshmallow import Schema, fields, validate
from sqlalchemy import or_, select

from ..domain.actors import UNIT_REPORTER
from ..domain.vocab import FUNDING_SOURCES, FUNDING_STAGES
from ..projections.funding import funding_entries
from ..projections.projects import projects
from .queries import AsOfArgs, QuerySpec, QueryView


class FundingArgs(AsOfArgs):
    project = fields.String(metadata={"description": "项目编码"})
    source = fields.String(validate=validate.OneOf(list(FUNDING_SOURCES)))
    stage = fields.String(validate=validate.OneOf(list(FUNDING_STAGES)))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "按业务日期所在年度"})


class FundingOut(Schema):
    project = fields.String()
    project_name = fields.String()
    source = fields.String()
    source_name = fields.String()
    stage = fields.String()
    stage_name = fields.String()
    amount = fields.Float(metadata={"description": "金额（万元）"})
    document = fields.String(allow_none=True, metadata={"description": "文号"})
    date = fields.String()
    version = fields.Integer(metadata={"description": "该记录在项目事件流中的版本"})


def funding_rows(conn, args: dict, unit: str | None = None) -> list[dict]:
    """The ledger's rows, in business order: shared by the API, the staff page and the export."""
    f, p = funding_entries, projects
    q = (select(f, p.c.name.label("project_name"))
         .join(p, p.c.code == f.c.project, isouter=True)
         .order_by(f.c.on_date, f.c.project, f.c.version))
    for key in ("project", "source", "stage"):
        if args.get(key):
            q = q.where(f.c[key] == args[key])
    if args.get("year"):
        q = q.where(f.c.on_date.between(f"{args['year']:04d}-01-01", f"{args['year']:04d}-12-31"))
    if unit is not None:
        q = q.where(or_(p.c.owner_unit == unit, p.c.responsible_unit == unit))
    return [{"project": r.project, "project_name": r.project_name, "source": r.source,
             "source_name": FUNDING_SOURCES.get(r.source, r.source), "stage": r.stage,
             "stage_name": FUNDING_STAGES.get(r.stage, r.stage), "amount": r.amount,
             "document": r.document, "date": r.on_date, "version": r.version}
            for r in conn.execute(q)]


def totals(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per source and stage, the sum of the amounts (万元)."""
    out: dict[str, dict[str, float]] = {}
    for s in FUNDING_SOURCES:
        out[s] = {st: round(math.fsum(r["amount"] for r in rows
                                      if r["source"] == s and r["stage"] == st), 2)
                  for st in FUNDING_STAGES}
    return out


def funding_ledger(view: QueryView, args: dict) -> list[dict]:
    # a unit reporter sees the funds of its own unit's projects only
    unit = view.actor.unit if view.actor.role == UNIT_REPORTER else None
    return funding_rows(view.conn, args, unit)


QUERIES = [
    QuerySpec("/funding", funding_ledger, FundingArgs, "项目资金台账（申报、下达、到位）",
              FundingOut(many=True), tags=("重大项目",)),
]
