"""The global event feed and the audit check."""
from __future__ import annotations

from functools import partial

import orjson
from flask import current_app
from marshmallow import Schema, fields
from orjson import Fragment

from .. import fast_paths
from ..commands.security import STREAM as SECURITY_STREAM
from ..commands.security import may_read_security_log
from ..domain.errors import Forbidden
from ..events.audit import verify_chain
from ..events.chain import decode_json
from ..events.model import RecordedEvent, parse_instant
from ..events.search import EventQuery, feed_rows, search
from ..limits.paging import after_field, limit_field
from ..views.scope import FEED_ROLES
from .queries import AsOfArgs, JSONBytes, QuerySpec, QueryView, spliceable


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


def event_feed(view: QueryView, args: dict) -> list[dict] | JSONBytes:
    if view.actor.role not in FEED_ROLES:
        raise Forbidden("您的角色无权查看全局事件流。")
    if fast_paths.enabled() and spliceable(current_app.json, current_app.debug):
        return feed_text(view, args)
    return feed_plain(view, args)


def feed_plain(view: QueryView, args: dict) -> list[dict]:
    """The feed's page as objects, jsonify writing them: what feed_text writes at once."""
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


def feed_text(view: QueryView, args: dict) -> JSONBytes:
    """The feed's page written as JSON, byte for byte what jsonify writes of feed_plain's answer,
    without decoding each payload and encoding it again: a stored payload is canonical JSON
    (sorted keys, no spaces, text unescaped: app/events/chain.py), which is what Flask's JSON
    writes of it, so its stored text goes into the answer as it is (an orjson Fragment). orjson
    writes the rest: the event's keys in the order given (sorted, as jsonify sorts them), texts
    escaped as json escapes them (ensure_ascii off), integers and null alike. A payload an
    upcaster rewrites, and a metadata value that is neither text nor null, are written by
    Flask's JSON; a text orjson refuses (a lone surrogate) leaves the page to feed_plain."""
    svc = view.services
    q = EventQuery(after=args["after"], until=view.position,
                   hidden_stream=None if may_read_security_log(view.actor) else SECURITY_STREAM)
    if view.position is None:  # live: the events are on the connection the request reads
        rows = feed_rows(view.conn, q, args["limit"])
    else:  # as of: that connection holds a snapshot of the projections, not the events
        with svc.store.engine.connect() as conn:
            rows = feed_rows(conn, q, args["limit"])
    dumps = partial(current_app.json.dumps, separators=(",", ":"))  # as the response writes
    registry = svc.store.registry
    upcast = registry.upcast_versions()
    loads = orjson.loads
    page = []
    for position, stream, version, type_, schema_version, data, meta_text, day, at in rows:
        if type_ in upcast and schema_version < upcast[type_]:
            data = dumps(registry.upcast(type_, decode_json(data), schema_version))
        try:  # only the actor and the role are read: decode_json's care for long integers is not
            meta = loads(meta_text)
        except orjson.JSONDecodeError:
            meta = decode_json(meta_text)
        actor, role = meta.get("actor"), meta.get("role")
        page.append({
            "actor": actor if actor is None or type(actor) is str else Fragment(dumps(actor)),
            "data": Fragment(data),
            "date": day,
            "position": position,
            # a stored instant is UTC with six digits of fraction (format_instant: 27
            # characters), which isoformat leaves out when all are zero; strptime would cost
            # more than the rest of the event
            "recorded_at": ((at[:19] if at.endswith(".000000Z") else at[:26]) + "+00:00"
                            if len(at) == 27 else parse_instant(at).isoformat()),
            "role": role if role is None or type(role) is str else Fragment(dumps(role)),
            "stream": stream,
            "type": type_,
            "version": version,
        })
    try:
        return JSONBytes(orjson.dumps(page))
    except TypeError:
        return feed_plain(view, args)


def audit_verify(view: QueryView, args: dict) -> dict:
    from ..files.audit import with_files

    result = verify_chain(view.services.engine, until_position=view.position).as_dict()
    return with_files(result, view.services.engine, current_app.config, view.position)


QUERIES = [
    QuerySpec("/events", event_feed, FeedArgs, "全局事件流（按位置顺序）", EventOut(many=True),
              tags=("事件",)),
    QuerySpec("/audit/verify", audit_verify, AsOfArgs, "校验事件哈希链", AuditOut, tags=("审计",)),
]
