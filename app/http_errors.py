"""Error answers of the whole site: JSON under /api/, a Chinese page everywhere else.

A 405 always carries ``Allow`` (the methods the address does take), as HTTP requires."""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .domain.errors import CommandError
from .limits.web import InvalidInput

MESSAGES = {
    400: ("invalid", "请求无效。", "请求无效"),
    401: ("unauthenticated", "请先登录。", "请先登录"),
    403: ("forbidden", "无权访问。", "无权访问"),
    404: ("not_found", "请求的资源不存在。", "页面不存在"),
    405: ("method_not_allowed", "不支持该请求方法。", "不支持该请求方法"),
    413: ("too_large", "请求内容过大。", "提交的内容过大"),
    415: ("unsupported_media_type", "请以 JSON 格式提交。", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。", "请求过于频繁"),
    500: ("server_error", "服务器内部错误，请稍后再试或联系系统管理员。", "服务器内部错误"),
}
_PAGE_TEXT = {
    400: "提交的内容无效，未做任何记录。请返回检查后重新提交。",
    404: "您访问的地址不存在。请检查地址，或从首页进入。",
    405: "该地址不支持此种请求方式。",
    413: "提交的内容超过了允许的大小，未做任何记录。",
    500: "处理请求时出现错误，未做任何记录。请稍后再试，或联系系统管理员。",
}


def _allow(response: Response, exc: HTTPException) -> Response:
    methods = getattr(exc, "valid_methods", None)
    if exc.code == 405 and methods:
        response.headers["Allow"] = ", ".join(methods)
    return response


def json_error(exc: HTTPException) -> tuple[Response, int]:
    code, message, _title = MESSAGES.get(exc.code or 500, ("error", "请求失败。", ""))
    body: dict = {"code": code, "message": message}
    fields = getattr(exc, "fields", None)
    if fields:
        body["fields"] = fields
    return _allow(jsonify({"error": body}), exc), exc.code or 500


def page_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    _code, message, title = MESSAGES.get(status, ("error", "请求失败。", "请求失败"))
    text = exc.description if isinstance(exc, InvalidInput) else None
    html = render_template("duban/error.html", status=status, title=title,
                           message=text or _PAGE_TEXT.get(status, message))
    return _allow(Response(html, status=status, mimetype="text/html"), exc), status


def handle_http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        return json_error(exc)
    return page_error(exc)


def init_app(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, handle_http_error)

    @app.errorhandler(CommandError)
    def _refused(exc: CommandError):  # a refusal raised before any blueprint took the request
        return jsonify(exc.as_dict()), exc.status

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError):
        return handle_http_error(exc)
