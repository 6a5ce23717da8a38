"""The notification routes in the OpenAPI document."""
from __future__ import annotations

AUTH = [{"bearer": []}]
MESSAGE = {"type": "object", "properties": {
    **{k: {"type": t} for k, t in [
        ("id", "string"), ("title", "string"), ("body", "string"), ("link", "string"),
        ("stream", "string"), ("event_type", "string"), ("position", "integer"),
        ("created_at", "string"), ("read", "boolean")]},
    "read_at": {"type": "string", "nullable": True}}}  # none until read
TEXT_OR_NULL = {"type": "string", "nullable": True}
CONTACT = {"type": "object", "properties": {
    "username": {"type": "string"}, "email": TEXT_OR_NULL, "phone": TEXT_OR_NULL,
    # null: the default below (NOTIFY_QUIET_HOURS, NOTIFY_DIGEST_TIME); "off": no quiet hours
    "quiet_hours": TEXT_OR_NULL, "digest": {"type": "string", "enum": ["immediate", "daily"]},
    "digest_time": TEXT_OR_NULL, "default_quiet_hours": {"type": "string"},
    "default_digest_time": {"type": "string"}}}


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
    user = [{"in": "path", "name": "username", "required": True, "schema": {"type": "string"}}]
    answer = {"description": "联系方式与通知设置", "content": {"application/json": {"schema": CONTACT}}}
    spec.path("/users/{username}/contact", operations={
        "get": {"summary": "联系方式与通知设置（管理员或本人）", "tags": ["通知"], "security": AUTH,
                "parameters": user, "responses": {"200": answer, **errors(["401", "403", "404"])}},
        "post": {"summary": "设置联系方式与通知设置（管理员或本人）", "tags": ["通知"], "security": AUTH,
                 "parameters": user,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "properties": {
                         "email": {"type": "string"}, "phone": {"type": "string"},
                         # "" : back to the system's default
                         "quiet_hours": {"type": "string", "example": "22:00-07:00"},
                         "digest": {"type": "string", "enum": ["immediate", "daily"]},
                         "digest_time": {"type": "string", "example": "08:30"}}}}}},
                 "responses": {"200": answer, **errors(["400", "401", "403", "404"])}}})
