"""Amounts of money in 万元: one field for every amount of every command."""
from __future__ import annotations

import math

from marshmallow import ValidationError, fields, validate

MIN_AMOUNT = 0.0
MAX_AMOUNT = 100_000_000.0  # 万元: a trillion yuan, beyond any project a district supervises
RANGE_MESSAGE = "金额（万元）须在 0 到 100,000,000 之间。"


def amount_problem(value: float) -> str | None:
    """Why an amount is refused, or None: not finite, negative, or beyond the ceiling."""
    if not math.isfinite(value):
        return "金额（万元）须为有限数值，不能为 NaN 或无穷大。"
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        return RANGE_MESSAGE
    return None


class Amount(fields.Float):
    """An amount in 万元: a finite number from 0 to 100,000,000.

    A Float whose own check refuses NaN and infinity (``allow_nan`` stays False) with a range:
    1e308 typed twice would otherwise add up to infinity in every figure."""

    default_error_messages = {"special": "金额（万元）须为有限数值，不能为 NaN 或无穷大。",
                              "invalid": "不是有效的数字。", "too_large": RANGE_MESSAGE}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("description", "金额（万元），0 到 100,000,000")
        # a Range validator, so that the OpenAPI document states the bounds too
        kwargs["validate"] = [validate.Range(min=MIN_AMOUNT, max=MAX_AMOUNT, error=RANGE_MESSAGE),
                              *_as_list(kwargs.get("validate"))]
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):  # JSON true is not 1 万元
            raise ValidationError("不是有效的数字。")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not math.isfinite(number):  # (refused by allow_nan already; said in Chinese here)
            raise ValidationError(amount_problem(number) or RANGE_MESSAGE)
        return number


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, (list, tuple)) else [validators]
