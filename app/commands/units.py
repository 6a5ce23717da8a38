"""Units (单位) and their annual investment tasks."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import Conflict
from ..domain.vocab import UNIT_KINDS, stream
from ..events.model import NewEvent
from ..limits.amounts import Amount
from ..limits.dates import Day
from .base import CommandSpec, Context, Decision

CODE = validate.Regexp(r"^[A-Za-z0-9_.-]{1,50}$", error="编码只能由字母、数字、下划线、点和连字符组成（1–50 个字符）。")


class RegisterUnit(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    date = Day(load_default=None)


class SetInvestmentTask(Schema):
    code = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    amount = Amount(required=True)
    date = Day(load_default=None)


def register_unit(ctx: Context, cmd: dict) -> Decision:
    sid = stream("unit", cmd["code"])
    if ctx.exists(sid):
        raise Conflict(f"单位编码“{cmd['code']}”已存在。")
    data = {"code": cmd["code"], "name": cmd["name"], "kind": cmd["kind"]}
    return Decision(cmd["code"], sid, "unit",
                    [NewEvent("UnitRegistered", data, ctx.business_date(cmd))])


def set_investment_task(ctx: Context, cmd: dict) -> Decision:
    sid = stream("unit", cmd["code"])
    ctx.require(sid, f"单位“{cmd['code']}”不存在。")
    data = {"unit": cmd["code"], "year": cmd["year"], "amount": round(cmd["amount"], 4)}
    return Decision(cmd["code"], sid, "unit",
                    [NewEvent("InvestmentTaskSet", data, ctx.business_date(cmd))])


COMMANDS = [
    CommandSpec("register_unit", RegisterUnit, register_unit, (ADMIN, DISPATCHER), "登记单位",
                path="/units", tags=("单位",)),
    CommandSpec("set_investment_task", SetInvestmentTask, set_investment_task, (ADMIN, DISPATCHER),
                "下达单位年度投资任务", stream=lambda c: stream("unit", c["code"]),
                path="/units/{code}/investment-tasks", tags=("单位",)),
]
