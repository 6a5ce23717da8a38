"""GET routes. Every query takes `as_of`: then it reads a snapshot folded up to that instant."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib import import_module
from typing import Any, Callable, Iterator

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import Connection

from .. import catalog
from ..bootstrap import Services
from ..commands.base import Actor
from ..commands.errors import InvalidCommand
from ..commands.messages import translate_errors
from ..limits.dates import Instant
from .blueprint import current_actor, services


class AsOfArgs(Schema):
    as_of = Instant(load_default=None, metadata={
        "description": "时点（ISO 8601，带时区）：按该时点之前记录的事件作答"})


@dataclass
class QueryView:
    """What a query function reads from: live tables, or a snapshot as of a position."""

    services: Services
    conn: Connection
    actor: Actor
    position: int | None  # None: live
    as_of: datetime | None = None

    @property
    def today(self) -> date:
        """Today, or the day of the as-of instant: an answer as of then uses that day's defaults."""
        if self.as_of is not None:
            return self.as_of.astimezone(self.services.tz).date()
        return self.services.today()


@dataclass
class QuerySpec:
    path: str
    function: Callable[[QueryView, dict], Any]
    args: type[Schema]
    summary: str
    response: type[Schema] | Schema | None = None
    tags: tuple[str, ...] = ()
    many: bool = False


def parse_args(schema: type[Schema], values: dict) -> dict:
    try:
        return schema().load(values)
    except ValidationError as exc:
        raise InvalidCommand("查询参数有误。", translate_errors(exc.messages)) from None


@contextmanager
def reading(svc: Services, as_of: datetime | None) -> Iterator[tuple[Connection, int | None]]:
    if as_of is None:
        with svc.engine.connect() as conn:
            yield conn, None
        return
    position = svc.store.position_at(as_of)
    snap = svc.projections.snapshot(svc.store, position)
    with snap.connect() as conn:
        yield conn, position


def _view(spec: QuerySpec):
    def view(**path_params):
        actor = current_actor()
        values = {k: v for k, v in request.args.items()}
        values.update(path_params)
        args = parse_args(spec.args, values)
        svc = services()
        as_of = args.pop("as_of", None)
        with reading(svc, as_of) as (conn, position):
            return jsonify(spec.function(QueryView(svc, conn, actor, position, as_of), args))

    view.__name__ = "query_" + spec.function.__name__
    return view


def all_queries() -> list[QuerySpec]:
    return [q for name in catalog.QUERY_MODULES for q in import_module(name).QUERIES]


def register_query_routes(bp: Blueprint) -> None:
    for spec in all_queries():
        bp.add_url_rule(spec.path.replace("{", "<").replace("}", ">"),
                        endpoint="query_" + spec.function.__name__, view_func=_view(spec),
                        methods=["GET"])
