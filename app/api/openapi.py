"""The OpenAPI document, generated from the same marshmallow schemas the commands load with."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from ..commands.base import CommandRegistry
from ..domain.actors import ROLE_NAMES
from .excel_routes import describe_excel_routes
from .pages import PageArgs
from ..limits.paging import MAX_POSITION
from .queries import POSITION_HEADER, all_queries

PAGE_HEADERS = {
    "Link": {"description": "下一页的地址：<…>; rel=\"next\"（最后一页没有此头）",
             "schema": {"type": "string"}},
    "X-Total-Count": {"description": "各页合计的条数", "schema": {"type": "integer"}},
}


class TokenRequest(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class TokenResponse(Schema):
    token = fields.String(required=True)
    role = fields.String()
    unit = fields.String(allow_none=True)


class EventRef(Schema):
    type = fields.String()
    position = fields.Integer()


class CommandResult(Schema):
    id = fields.String()
    version = fields.Integer()
    position = fields.Integer(allow_none=True)
    events = fields.List(fields.Nested(EventRef))


class SignedCheckpointResult(CommandResult):
    """POST /audit/checkpoints: the command's answer and the checkpoint it signed, to be kept."""

    size = fields.Integer()
    root = fields.String()
    timestamp = fields.String()
    key_id = fields.String()
    signature = fields.String()


# Commands whose route answers more than the command's answer (see app/api/audit_queries.py).
# every query's: read-your-writes with a read replica (app/replica.py)
POSITION = {"in": "header", "name": POSITION_HEADER, "required": False,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
            "description": "上一条命令应答中的 position：作答包含该事件（读副本尚未同步到该位置时稍候，仍未同步则读主库）"}
RESULT_SCHEMAS = {"sign_checkpoint": "SignedCheckpointResult"}


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


_ERRORS = {
    "400": "输入无效", "401": "未登录", "403": "角色或单位无权", "404": "对象不存在",
    "409": "版本冲突、编码重复或请求编号（command_id）已用于其他请求", "413": "请求内容过大",
    "422": "当前状态不允许", "429": "登录失败次数过多，已锁定",
}


def error_responses(codes) -> dict:
    return {c: {"description": _ERRORS[c], "content": {"application/json": {"schema": "Error"}}}
            for c in codes}



def path_params(path: str, enums: dict[str, list[str]] | None = None) -> list[dict]:
    """The path's parameters, as text (or one of ``enums[name]``)."""
    out = []
    for n in re.findall(r"{(\w+)}", path):
        schema: dict = {"type": "string"}
        if enums and n in enums:
            schema["enum"] = list(enums[n])
        out.append({"name": n, "in": "path", "required": True, "schema": schema})
    return out



def build_spec(commands: CommandRegistry) -> dict:
    spec = APISpec(title="督办 duban API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   servers=[{"url": "/api/v1"}],
                   components={"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}})
    spec.components.schema("Error", schema=Error)
    spec.components.schema("CommandResult", schema=CommandResult)
    spec.components.schema("SignedCheckpointResult", schema=SignedCheckpointResult)
    spec.path("/auth/token", operations={"post": {
        "summary": "登录，获取令牌", "tags": ["认证"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": TokenRequest}}},
        "responses": {"200": {"description": "令牌", "content": {
            "application/json": {"schema": TokenResponse}}},
            **error_responses(["400", "401", "429"])},
        "description": "同一用户名自同一地址 15 分钟内失败 5 次即锁定 15 分钟：429（错误代码 locked，"
                       "附 Retry-After 秒数）。",
    }})
    spec.path("/auth/logout", operations={"post": {
        "summary": "退出登录：此令牌此后被拒绝（everywhere 为 true 时该用户的全部令牌）",
        "tags": ["认证"], "security": [{"bearer": []}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"everywhere": {"type": "boolean"}}}}}},
        "responses": {"201": {"description": "已记录", "content": {
            "application/json": {"schema": "CommandResult"}}}, **error_responses(["400", "401"])},
    }})
    spec.path("/auth/password", operations={"post": {
        "summary": "修改本人密码：此前签发的全部令牌此后被拒绝", "tags": ["认证"],
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["old_password", "new_password"], "properties": {
                "old_password": {"type": "string"},
                "new_password": {"type": "string", "minLength": 6, "maxLength": 200}}}}}},
        "responses": {"201": {"description": "已记录", "content": {
            "application/json": {"schema": "CommandResult"}}},
            **error_responses(["400", "401"])},
    }})
    for cmd in commands:
        if not cmd.path:
            continue
        path_names = set(re.findall(r"{(\w+)}", cmd.path))
        body = cmd.schema(exclude=[n for n in path_names if n in cmd.schema().fields])
        roles = "、".join(ROLE_NAMES[r] for r in cmd.roles)
        spec.path(cmd.path, operations={"post": {
            "summary": cmd.summary, "operationId": cmd.name, "tags": list(cmd.tags),
            "description": f"可执行角色：{roles}。可附 command_id（幂等）与 expected_version（乐观并发）；"
                           "同一 command_id 只属于同一用户、同一操作、同一内容，否则 409。",
            "security": [{"bearer": []}],
            "parameters": path_params(cmd.path),
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"allOf": [body, {"type": "object", "properties": {
                    "command_id": {"type": "string"}, "expected_version": {"type": "integer"}}}]}}}},
            "responses": {"201": {"description": "已记录", "content": {
                "application/json": {"schema": RESULT_SCHEMAS.get(cmd.name, "CommandResult")}}},
                **error_responses(["400", "401", "403", "404", "409", "422"])},
        }})
    for q in all_queries():
        path_names = set(re.findall(r"{(\w+)}", q.path))
        args = q.args(exclude=[n for n in path_names if n in q.args().fields])
        op = {"summary": q.summary, "operationId": "get_" + q.function.__name__,
              "tags": list(q.tags), "security": [{"bearer": []}],
              "parameters": path_params(q.path) + [{"in": "query", "schema": args}, POSITION],
              "responses": {"200": {"description": "结果"},
                            **error_responses(["400", "401", "403", "404"])}}
        if q.response is not None:
            op["responses"]["200"]["content"] = {"application/json": {"schema": q.response}}
        if q.paged:
            op["parameters"].append({"in": "query", "schema": PageArgs})
            op["responses"]["200"]["headers"] = PAGE_HEADERS
        spec.path(q.path, operations={"get": op})
    describe_excel_routes(spec, error_responses, path_params)

    from ..files.openapi import add_paths as attachment_paths
    from ..notify.openapi import add_paths as notification_paths

    attachment_paths(spec, error_responses)
    notification_paths(spec, error_responses)

    from .notice_routes import NOTICE_PATHS

    for path, summary in NOTICE_PATHS:  # printable notices: PDF, not JSON
        spec.path(path, operations={"get": {
            "summary": summary, "tags": ["督办事项"], "security": [{"bearer": []}],
            "parameters": path_params(path) + [
                {"in": "query", "name": "as_of", "schema": {"type": "string", "format": "date-time"}}],
            "responses": {"200": {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}},
                **error_responses(["400", "401", "403", "404"])}}})

    # other files served for download, with their query parameters (name, required, schema)
    downloads = [
        ("/audit/package", "证据包：一个事件流（stream）、一个单位（unit，可加 from/to）或一个时期"
         "（from/to，按业务日期）的事件、包含证明、签名检查点、公钥与附件（纪检督查人员、管理员）",
         "application/zip", ["审计"], [("stream", False, {"type": "string"}),
                                     ("unit", False, {"type": "string"}),
                                     ("from", False, {"type": "string", "format": "date"}),
                                     ("to", False, {"type": "string", "format": "date"})]),
        ("/bulletins/{number}/bulletin.pdf", "督查通报（PDF，页脚印有最新签名检查点）",
         "application/pdf", ["督查"],
         [("as_of", False, {"type": "string", "format": "date-time"})]),
        ("/exports/summary.pdf", "工作汇总报告（PDF，截至某月或某日）", "application/pdf", ["报表"],
         [("year", False, {"type": "integer"}), ("through", False, {"type": "string"}),
          ("as_of", False, {"type": "string", "format": "date-time"})]),
    ]
    for path, summary, media, tags, params in downloads:
        spec.path(path, operations={"get": {
            "summary": summary, "tags": tags, "security": [{"bearer": []}],
            "parameters": path_params(path) + [
                {"in": "query", "name": n, "required": r, "schema": sch} for n, r, sch in params],
            "responses": {"200": {"description": summary, "content": {media: {
                "schema": {"type": "string", "format": "binary"}}}},
                **error_responses(["400", "401", "403", "404"])}}})
    return spec.to_dict()
