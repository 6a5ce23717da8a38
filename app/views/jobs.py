"""What the scheduled jobs leave to read: the published fast/slow lists (the LED board's
source), the units' monthly reminders (催报) and the chain's daily anchors."""
from __future__ import annotations

import json

from sqlalchemy import Connection, select

from ..domain.errors import Forbidden, NotFound
from ..events.model import parse_instant
from ..projections.jobs import anchors as anchor_table
from ..projections.jobs import publicity, reminders as reminder_table
from .scope import Scope


def _instant(text: str, tz) -> str:
    return parse_instant(text).astimezone(tz).isoformat()


def _publicity_json(row, tz) -> dict:
    return {"period": row.period, "published_on": row.published_on,
            "recorded_at": _instant(row.recorded_at, tz), "position": row.position,
            "fast": json.loads(row.fast), "slow": json.loads(row.slow),
            "basis": json.loads(row.basis)}


def published_list(conn: Connection, tz, period: str | None = None) -> dict:
    """The fast/slow list published for ``period`` (None: the one published last), as published."""
    if period is None:
        row = conn.execute(select(publicity).order_by(publicity.c.position.desc()).limit(1)).first()
        if row is None:
            raise NotFound("尚未发布任何月度快慢榜。")
    else:
        row = conn.execute(select(publicity).where(publicity.c.period == period)).first()
        if row is None:
            raise NotFound(f"{period} 的快慢榜尚未发布。")
    return _publicity_json(row, tz)


def anchors(conn: Connection, tz) -> list[dict]:
    rows = conn.execute(select(anchor_table).order_by(anchor_table.c.day))
    return [{"day": r.day, "position": r.anchored_position, "hash": r.hash,
             "event_position": r.position, "recorded_at": _instant(r.recorded_at, tz)}
            for r in rows]


def reminders(conn: Connection, scope: Scope, period: str | None = None, unit: str | None = None,
              open_: bool | None = None) -> list[dict]:
    """Units' to-dos from the monthly reminders; a unit reporter reads its own unit's."""
    if scope.unit is not None:
        if unit not in (None, scope.unit):
            raise Forbidden("只能查看本单位的催报事项。")
        unit = scope.unit
    r = reminder_table.c
    q = select(reminder_table).order_by(r.period.desc(), r.unit, r.project)
    if period:
        q = q.where(r.period == period)
    if unit:
        q = q.where(r.unit == unit)
    if open_ is True:
        q = q.where(r.submitted_on.is_(None))
    elif open_ is False:
        q = q.where(r.submitted_on.is_not(None))
    return [{"period": x.period, "project": x.project, "name": x.name, "unit": x.unit,
             "reminded_on": x.reminded_on, "flagged_on": x.flagged_on,
             "submitted_on": x.submitted_on} for x in conn.execute(q)]
