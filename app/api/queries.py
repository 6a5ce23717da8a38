"""GET routes. Every query takes `as_of`: then it reads a snapshot folded up to that instant.

A live answer may come from the read replica; a client that sends the position of its last command
in ``X-Duban-Position`` gets an answer that includes it (``app/replica.py``)."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from .. import catalog, fast_paths
from ..commands.messages import translate_errors
from ..domain.errors import InvalidCommand
from ..limits.dates import Instant
from ..limits.paging import MAX_POSITION
from ..views.reading import QueryView, read
from .blueprint import current_actor, services
from .pages import Page, PageArgs, page_of


class AsOfArgs(Schema):
    as_of = Instant(load_default=None, metadata={
        "description": "时点（ISO 8601，带时区）：按该时点之前记录的事件作答"})


class JSONBytes(bytes):
    """An answer already written as JSON in UTF-8, exactly as jsonify would write it (see
    spliceable)."""


def spliceable(provider, debug: bool) -> bool:
    """True when jsonify writes what a JSONBytes holds: sorted keys, no spaces, text unescaped
    (not indented, as it is in debug mode or when compact is off)."""
    compact = provider.compact if provider.compact is not None else not debug
    return bool(compact and provider.sort_keys and not provider.ensure_ascii)


@dataclass
class QuerySpec:
    path: str
    function: Callable[[QueryView, dict], Any]
    args: type[Schema]
    summary: str
    response: type[Schema] | Schema | None = None
    tags: tuple[str, ...] = ()
    many: bool = False

    @property
    def paged(self) -> bool:
        """A list answer (``many``, or a response schema with ``many=True``) is paged by the layer
        (``limit``, ``cursor``), unless its arguments page it their own way (the event feed's
        ``after`` and ``limit``)."""
        lists = self.many or bool(getattr(self.response, "many", False))
        return lists and "limit" not in self.args().fields


def parse_args(schema: type[Schema], values: dict) -> dict:
    try:
        return schema().load(values)
    except ValidationError as exc:
        raise InvalidCommand("查询参数有误。", translate_errors(exc.messages)) from None


POSITION_HEADER = "X-Duban-Position"


def written_position() -> int | None:
    """The position of the client's last command, when it names one: the answer includes it."""
    text = request.headers.get(POSITION_HEADER)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_POSITION):
        raise InvalidCommand("请求头有误。", {
            POSITION_HEADER: [f"须为 0 到 {MAX_POSITION} 之间的整数（上一条命令应答中的 position）。"]})
    return int(text)


def _view(spec: QuerySpec):
    paged = spec.paged

    def view(**path_params):
        actor = current_actor()
        values = {k: v for k, v in request.args.items()}
        paging = {k: values.pop(k) for k in ("limit", "cursor") if paged and k in values}
        values.update(path_params)
        args = parse_args(spec.args, values)
        page_args = parse_args(PageArgs, paging) if paged else None
        after = written_position()
        svc = services()
        as_of = args.pop("as_of", None)

        def answer(conn, position):
            found = spec.function(QueryView(svc, conn, actor, position, as_of), args)
            if isinstance(found, JSONBytes):
                return current_app.response_class(found + b"\n",
                                                  mimetype=current_app.json.mimetype)
            if not paged:
                return jsonify(found.all(conn) if isinstance(found, Page) else found)
            # a snapshot never changes: its totals are counted once (kept with its connection)
            kept = position is not None and fast_paths.enabled()
            counts = conn.info.setdefault("page_counts", {}) if kept else None
            return page_of(found, conn, page_args["limit"], page_args["cursor"], counts)

        result = read(svc, as_of, after, answer)  # the response itself, or a page of rows
        if not paged or isinstance(result, current_app.response_class):
            return result
        page = result
        response = jsonify(page.rows)
        response.headers["X-Total-Count"] = str(page.total)
        if page.next_cursor is not None:
            response.headers["Link"] = f'<{_next_url(page.next_cursor)}>; rel="next"'
        return response

    view.__name__ = "query_" + spec.function.__name__
    return view


def _next_url(cursor: str) -> str:
    """This request's address with the next page's cursor (every other parameter kept)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    return request.base_url + "?" + urlencode(params + [("cursor", cursor)])


def all_queries() -> list[QuerySpec]:
    return [q for name in catalog.QUERY_MODULES for q in import_module(name).QUERIES]


def register_query_routes(bp: Blueprint) -> None:
    for spec in all_queries():
        bp.add_url_rule(spec.path.replace("{", "<").replace("}", ">"),
                        endpoint="query_" + spec.function.__name__, view_func=_view(spec),
                        methods=["GET"])
