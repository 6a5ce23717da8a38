"""The notification routes in the OpenAPI document."""
from __future__ import annotations

AUTH = [{"bearer": []}]
MESSAGE = {"type": "object", "properties": {
    **{k: {"type": t} for k, t in [
        ("id", "string"), ("title", "string"), ("body", "string"), ("link", "string"),
        ("stream", "string"), ("event_type", "string"), ("position", "integer"),
        ("created_at", "string"), ("read", "boolean")]},
    "read_at": {"type": "string", "nullable": True}}}  # none until read


def add_paths(spec, errors) -> None:
    spec.path("/notifications", operations={"get": {
        "summary": "本人的通知", "tags": ["通知"], "security": AUTH,
        "parameters": [{"in": "query", "name": "unread", "schema": {"type": "boolean"}}],
        "responses": {"200": {"description": "通知，新的在前", "content": {"application/json": {
            "schema": {"type": "array", "items": MESSAGE}}}}, **errors(["400", "401"])}}})
    spec.path("/notifications/{message_id}/read", operations={"post": {
        "summary": "标为已读", "tags": ["通知"], "security": AUTH,
        "parameters": [{"in": "path", "name": "message_id", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "已读"}, **errors(["401", "404"])}}})
    spec.path("/users/{username}/contact", operations={"post": {
        "summary": "设置联系方式（管理员或本人）", "tags": ["通知"], "security": AUTH,
        "parameters": [{"in": "path", "name": "username", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"email": {"type": "string"}, "phone": {"type": "string"}}}}}},
        "responses": {"200": {"description": "联系方式"}, **errors(["400", "401", "403", "404"])}}})
