"""The global event feed and the audit check."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..commands.security import STREAM as SECURITY_STREAM
from ..commands.security import may_read_security_log
from ..domain.errors import Forbidden
from ..events.audit import verify_chain
from ..events.model import RecordedEvent, parse_instant
from ..events.search import EventQuery, search
from ..limits.paging import after_field, limit_field
from ..views.scope import FEED_ROLES
from .queries import AsOfArgs, QuerySpec, QueryView


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
    files_checked = fields.Integer()
    bad_files = fields.List(fields.Dict(), metadata={
        "description": "缺失或被替换的附件：sha256、name、记载它的事件 position 与 stream、problem"})


def event_feed(view: QueryView, args: dict) -> list[dict]:
    if view.actor.role not in FEED_ROLES:
        raise Forbidden("您的角色无权查看全局事件流。")
    store = view.services.store
    with view.events() as conn:
        if may_read_security_log(view.actor):
            evs = list(store.read_all(after=args["after"], limit=args["limit"],
                                      until_position=view.position, conn=conn))
        else:
            # Left out in the query, not after it: a page is then full whenever more events
            # follow, so a follower never takes a page of security facts for the end of the feed.
            q = EventQuery(after=args["after"], until=view.position, hidden_stream=SECURITY_STREAM)
            evs = [store.decode(tuple(r)) for r in search(conn, q, args["limit"])]
    return [event_json(e, with_stream=True) for e in evs]


def audit_verify(view: QueryView, args: dict) -> dict:
    from flask import current_app

    from ..files.audit import with_files

    result = verify_chain(view.services.engine, until_position=view.position).as_dict()
    return with_files(result, view.services.engine, current_app.config, view.position)


QUERIES = [
    QuerySpec("/events", event_feed, FeedArgs, "全局事件流（按位置顺序）", EventOut(many=True),
              tags=("事件",)),
    QuerySpec("/audit/verify", audit_verify, AsOfArgs, "校验事件哈希链", AuditOut, tags=("审计",)),
]
