"""The attachment routes in the OpenAPI document."""
from __future__ import annotations

AUTH = [{"bearer": []}]
SHA = [{"in": "path", "name": "sha256", "required": True, "schema": {"type": "string"}}]
RECORD = {"type": "object", "properties": {
    "sha256": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer"},
    "content_type": {"type": "string"}}}


def add_paths(spec, errors) -> None:
    spec.path("/attachments", operations={"post": {
        "summary": "上传附件（按内容 SHA-256 保存）", "tags": ["附件"], "security": AUTH,
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"]}}}},
        "responses": {"201": {"description": "已保存", "content": {"application/json": {"schema": RECORD}}},
                      **errors(["400", "401"]), "413": {"description": "文件过大", "content": {
                          "application/json": {"schema": "Error"}}}}}})
    spec.path("/attachments/{sha256}", operations={"get": {
        "summary": "下载附件（有权查看其所附事项者）", "tags": ["附件"], "security": AUTH,
        "parameters": SHA, "responses": {"200": {"description": "文件内容"}, **errors(["401", "404"])}}})
    spec.path("/attachments/{sha256}/thumbnail", operations={"get": {
        "summary": "图片缩略图", "tags": ["附件"], "security": AUTH, "parameters": SHA,
        "responses": {"200": {"description": "JPEG"}, **errors(["401", "404"])}}})
