"""Notifications over HTTP.

GET  /api/v1/notifications?unread=true|false   one's own messages, newest first
POST /api/v1/notifications/{id}/read           mark one's own message read
GET  /api/v1/users/{username}/contact          contact details and notification settings
POST /api/v1/users/{username}/contact          {email, phone, quiet_hours, digest, digest_time}:
                                               admin, or the user for itself
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..api.blueprint import current_actor, services
from ..domain.errors import InvalidCommand
from .contacts import get_contact, set_contact
from .inbox import mark_read, messages, unread_count


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidCommand("查询参数有误。", {"unread": ["须为 true 或 false。"]})


def list_notifications():
    actor = current_actor()
    unknown = sorted(set(request.args) - {"unread"})
    if unknown:  # as every other query: a parameter it does not take is a mistake, not ignored
        raise InvalidCommand("查询参数有误。", {k: ["未知字段。"] for k in unknown})
    unread = _flag(request.args.get("unread"))
    with services().engine.connect() as conn:
        items = messages(conn, actor.username, unread)
        count = unread_count(conn, actor.username)
    resp = jsonify(items)
    resp.headers["X-Unread-Count"] = str(count)
    return resp


def read_notification(message_id: str):
    actor = current_actor()
    return jsonify(mark_read(services().engine, actor.username, message_id, services().clock()))


def contact(username: str):
    actor = current_actor()
    svc = services()
    if request.method == "GET":
        return jsonify(get_contact(svc.engine, actor, username, svc.notify.defaults()))
    body = request.get_json(silent=True)
    return jsonify(set_contact(svc.engine, actor, username, body, svc.clock(),
                               svc.notify.defaults()))


def register_notification_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/notifications", view_func=list_notifications, methods=["GET"])
    bp.add_url_rule("/notifications/<message_id>/read", view_func=read_notification,
                    methods=["POST"])
    bp.add_url_rule("/users/<username>/contact", view_func=contact, methods=["GET", "POST"])
