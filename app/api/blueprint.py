"""The blueprint, the error answers and who is calling."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..auth.accounts import actor_from_token
from ..auth.login import Locked
from ..auth.security_log import record_refusal
from ..bootstrap import Services
from ..domain.actors import Actor
from ..domain.errors import CommandError, Forbidden, Unauthenticated

_HTTP_MESSAGES = {
    400: ("invalid", "请求无效。"),
    401: ("unauthenticated", "请先登录。"),
    403: ("forbidden", "无权访问。"),
    404: ("not_found", "请求的资源不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("too_large", "上传内容过大。"),
    415: ("unsupported_media_type", "请以 JSON 格式提交。"),
    429: ("locked", "请求过于频繁，请稍后再试。"),
}


def services() -> Services:
    return current_app.extensions["duban"]


def current_actor() -> Actor:
    if "actor" not in g:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthenticated("请先登录：缺少 Authorization: Bearer 令牌。")
        g.actor, g.token = actor_from_token(services().engine, current_app.config["SECRET_KEY"],
                                            header[7:].strip(), current_app.config["TOKEN_MAX_AGE"],
                                            request.remote_addr)
    return g.actor


def command_error(exc: CommandError):
    response = jsonify(exc.as_dict())
    if isinstance(exc, Locked):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Forbidden) and "actor" in g:
        # Refusals of the API are security facts, as those of the staff pages are.
        action = (request.endpoint or "").removeprefix("api.").removeprefix("command_")
        record_refusal(services(), g.actor, request.path, request.method, action or None,
                       exc.message)
    return response, exc.status


def http_error(exc: HTTPException):
    code, message = _HTTP_MESSAGES.get(exc.code or 500, ("error", "请求失败。"))
    return jsonify({"error": {"code": code, "message": message}}), exc.code


def create_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.register_error_handler(CommandError, command_error)
    bp.register_error_handler(HTTPException, http_error)
    return bp
