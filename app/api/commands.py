"""One POST route per command: parse, call the bus, answer 201."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..commands.base import CommandRegistry, CommandSpec
from ..domain.errors import InvalidCommand
from .blueprint import current_actor, services

# Fields every command accepts besides its own (API.md, conventions).
ENVELOPE = ("command_id", "expected_version")


def _flask_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def read_envelope(body: dict) -> tuple[str | None, int | None]:
    command_id = body.pop("command_id", None)
    expected = body.pop("expected_version", None)
    fields: dict[str, list[str]] = {}
    if command_id is not None and (not isinstance(command_id, str) or not command_id.strip()
                                   or len(command_id) > 200):
        fields["command_id"] = ["须为不超过 200 字符的非空文本。"]
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)
                                 or expected < 0):
        fields["expected_version"] = ["须为非负整数。"]
    if fields:
        raise InvalidCommand("输入有误，请检查标出的字段。", fields)
    return command_id, expected


def _view(spec: CommandSpec):
    def view(**path_params):
        actor = current_actor()
        body = request.get_json(silent=True)
        if body is None and request.content_length in (None, 0):
            body = {}
        if not isinstance(body, dict):
            raise InvalidCommand("请求内容必须是一个 JSON 对象。")
        command_id, expected = read_envelope(body)
        body.update(path_params)
        result = services().bus.execute(spec.name, body, actor, command_id=command_id,
                                        expected_version=expected,
                                        correlation_id=request.headers.get("X-Correlation-ID"))
        return jsonify(result), 201

    view.__name__ = f"command_{spec.name}"
    return view


def register_command_routes(bp: Blueprint, registry: CommandRegistry) -> None:
    for spec in registry:
        if spec.path:
            bp.add_url_rule(_flask_path(spec.path), endpoint=f"command_{spec.name}",
                            view_func=_view(spec), methods=["POST"])
