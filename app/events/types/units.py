"""Units (单位) and their annual investment tasks (投资任务)."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class UnitRegistered(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class InvestmentTaskSet(Schema):
    unit = fields.String(required=True)
    year = fields.Integer(required=True)
    amount = fields.Float(required=True)  # 万元


def register(registry: EventRegistry) -> None:
    registry.register("UnitRegistered", UnitRegistered)
    registry.register("InvestmentTaskSet", InvestmentTaskSet)
