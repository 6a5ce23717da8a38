"""Routes that are not commands or ledger queries: the token and the OpenAPI document."""
from __future__ import annotations

from flask import current_app, jsonify, request

from ..auth.accounts import authenticate, issue_token
from ..commands.errors import InvalidCommand
from flask import Blueprint

from .blueprint import services
from .openapi import build_spec


def token():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    fields = {k: ["必填项，不能为空。"] for k in ("username", "password")
              if not isinstance(body.get(k), str) or not body.get(k)}
    if fields:
        raise InvalidCommand("请填写用户名和密码。", fields)
    actor = authenticate(services().engine, body["username"], body["password"])
    return jsonify({"token": issue_token(current_app.config["SECRET_KEY"], actor.username),
                    "role": actor.role, "unit": actor.unit})


def openapi():
    return jsonify(build_spec(services().commands))


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/auth/token", view_func=token, methods=["POST"])
    bp.add_url_rule("/openapi.json", view_func=openapi, methods=["GET"])
