"""A dispatcher publishes the fast/slow list (红黑榜) of a chosen month now.

The scheduled job publishes last month's list once; from the pages or the API a dispatcher can
publish any ended or current month, and publish it again: each time a new FastSlowListPublished
fact in the month's stream, so what the hall was shown, and when, stays provable. The list
shown (the LED board, ``GET /publicity/latest``) is the one published last.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import NotAllowed
from ..events.model import NewEvent
from .base import CommandSpec, Context, Decision
from .jobs import PERIOD, fast_slow_payload, publicity_stream
from .problems import business_day
from .statements import plan_progress

POINTS = validate.Range(min=0, max=100, error="须在 0 到 100 个百分点之间。")


class PublishPublicity(Schema):
    period = fields.String(required=True, validate=PERIOD,
                           metadata={"description": "公示的月份 YYYY-MM"})
    date = business_day()
    fast_points = fields.Float(load_default=None, allow_none=True, validate=POINTS)
    slow_points = fields.Float(load_default=None, allow_none=True, validate=POINTS)


def _configured_points() -> tuple[float, float]:
    """The points the scheduled job uses (PUBLICITY_FAST_POINTS / _SLOW_POINTS)."""
    from ..scheduler.settings import settings_for

    s = settings_for()
    return s.fast_points, s.slow_points


def publish_publicity(ctx: Context, cmd: dict) -> Decision:
    period = cmd["period"]
    day = ctx.business_date(cmd)
    if period > f"{day:%Y-%m}":
        raise NotAllowed(f"{period} 尚未到来，不能公示（公示日期 {day.isoformat()}）。")
    rows = plan_progress(ctx.tx, period)
    if not rows:
        raise NotAllowed(f"{period[:4]} 年没有下达年度计划投资的重大项目，{period} 无法排出快慢榜。")
    fast, slow = _configured_points()
    if cmd.get("fast_points") is not None:
        fast = cmd["fast_points"]
    if cmd.get("slow_points") is not None:
        slow = cmd["slow_points"]
    payload = fast_slow_payload(ctx, period, rows, fast, slow)
    return Decision(period, publicity_stream(period), "publicity",
                    [NewEvent("FastSlowListPublished", payload, day)])


COMMANDS = [
    CommandSpec("publish_publicity", PublishPublicity, publish_publicity, (ADMIN, DISPATCHER),
                "发布（或重新发布）某月的快慢榜公示，LED 屏显示最近发布的一次", path="/publicity",
                stream=lambda c: publicity_stream(c["period"]), tags=("公示",)),
]
