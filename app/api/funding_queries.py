"""The funding ledger (项目资金台账): GET /funding?project=&source=&stage=&year=."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.vocab import FUNDING_SOURCES, FUNDING_STAGES
from ..views import funding
from ..views.scope import Scope
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


def funding_ledger(view: QueryView, args: dict) -> list[dict]:
    return funding.rows(view.conn, Scope(view.actor), args.get("project"), args.get("source"),
                        args.get("stage"), args.get("year"))


QUERIES = [
    QuerySpec("/funding", funding_ledger, FundingArgs, "项目资金台账（申报、下达、到位）",
              FundingOut(many=True), tags=("重大项目",)),
]
