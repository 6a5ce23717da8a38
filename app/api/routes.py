"""Routes that are not commands or ledger queries: logging in and out, the password, OpenAPI."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from ..auth.accounts import issue_token, token_expiry
from ..auth.login import LoginPolicy, log_in
from ..domain.errors import InvalidCommand
from .blueprint import current_actor, services
from .openapi import build_spec


def _json_body(required: tuple[str, ...], message: str) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    fields = {k: ["必填项，不能为空。"] for k in required
              if not isinstance(body.get(k), str) or not body.get(k)}
    if fields:
        raise InvalidCommand(message, fields)
    return body


def token():
    body = _json_body(("username", "password"), "请填写用户名和密码。")
    config = current_app.config
    row = log_in(services(), config["SECRET_KEY"], body["username"], body["password"],
                 request.remote_addr, LoginPolicy.from_config(config))
    return jsonify({"token": issue_token(config["SECRET_KEY"], row["username"],
                                         row["token_generation"]),
                    "role": row["role"], "unit": row["unit"]})


def logout():
    """This token is refused from now on; with {"everywhere": true}, every token of the user."""
    actor = current_actor()
    body = request.get_json(silent=True)
    if body is None and request.content_length in (None, 0):
        body = {}
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    everywhere = body.get("everywhere", False)
    if not isinstance(everywhere, bool):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"everywhere": ["不是有效的布尔值。"]})
    svc = services()
    expires = token_expiry(svc.clock(), current_app.config["TOKEN_MAX_AGE"])
    result = svc.bus.execute("log_out", {
        "username": actor.username, "token_id": g.token["j"], "everywhere": everywhere,
        "token_expires": expires.isoformat()}, actor)
    return jsonify(result), 201


def password():
    """Changes one's own password; every token issued before is refused from then on."""
    actor = current_actor()
    body = _json_body(("old_password", "new_password"), "请填写原密码和新密码。")
    result = services().bus.execute("change_password", {
        "username": actor.username, "old_password": body["old_password"],
        "new_password": body["new_password"]}, actor)
    return jsonify(result), 201


def openapi():
    return jsonify(build_spec(services().commands))


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/auth/token", view_func=token, methods=["POST"])
    bp.add_url_rule("/auth/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/auth/password", view_func=password, methods=["POST"])
    bp.add_url_rule("/openapi.json", view_func=openapi, methods=["GET"])
