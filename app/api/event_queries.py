"""The global event feed and the audit check."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..commands.base import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..commands.errors import Forbidden
from ..events.audit import verify_chain
from ..events.model import RecordedEvent, parse_instant
from ..limits.paging import after_field, limit_field
from .queries import AsOfArgs, QuerySpec, QueryView

FEED_ROLES = (ADMIN, DISPATCHER, INSPECTOR, LEADER)


def event_json(ev: RecordedEvent, with_stream: bool = False) -> dict:
    meta = ev.meta
    out = {
        "type": ev.type,
        "data": ev.data,
        "actor": meta.get("actor"),
        "role": meta.get("role"),
        "date": ev.business_date,
        "recorded_at": parse_instant(ev.recorded_at).isoformat(),
        "position": ev.position,
    }
    if with_stream:
        out["stream"] = ev.stream_id
        out["version"] = ev.version
    return out


class FeedArgs(AsOfArgs):
    after = after_field(metadata={"description": "只返回位置大于此值的事件"})
    limit = limit_field()


class EventOut(Schema):
    type = fields.String()
    data = fields.Dict()
    actor = fields.String()
    role = fields.String()
    date = fields.String(allow_none=True)
    recorded_at = fields.String()
    position = fields.Integer()
    stream = fields.String()
    version = fields.Integer()


class AuditOut(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    head = fields.String()
    first_bad_position = fields.Integer(allow_none=True)


def event_feed(view: QueryView, args: dict) -> list[dict]:
    if view.actor.role not in FEED_ROLES:
        raise Forbidden("您的角色无权查看全局事件流。")
    evs = view.services.store.read_all(after=args["after"], limit=args["limit"],
                                       until_position=view.position)
    return [event_json(e, with_stream=True) for e in evs]


def audit_verify(view: QueryView, args: dict) -> dict:
    return verify_chain(view.services.engine, until_position=view.position).as_dict()


QUERIES = [
    QuerySpec("/events", event_feed, FeedArgs, "全局事件流（按位置顺序）", EventOut(many=True),
              tags=("事件",)),
    QuerySpec("/audit/verify", audit_verify, AsOfArgs, "校验事件哈希链", AuditOut, tags=("审计",)),
]
