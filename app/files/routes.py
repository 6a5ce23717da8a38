"""Evidence files over HTTP.

POST /api/v1/attachments                   multipart ``file``: kept by its SHA-256
GET  /api/v1/attachments/{sha256}          the bytes, to whoever may read a thing it is attached to
GET  /api/v1/attachments/{sha256}/thumbnail  a small JPEG of an image
"""
from __future__ import annotations

import io
import os

from flask import Blueprint, current_app, jsonify, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.blueprint import current_actor, services
from ..domain.errors import CommandError, InvalidCommand, NotFound
from ..limits.web import allows_upload
from . import kinds
from .blobs import blob_store, is_sha256
from .images import thumbnail
from .service import describe, keep_upload, may_read

_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file itself


class TooLarge(CommandError):
    status, code = 413, "too_large"


def _limit() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def _too_large() -> TooLarge:
    return TooLarge(f"文件过大，单个附件上限为 {_limit() / 1048576:.0f} MB。")


@allows_upload(lambda config: config["ATTACHMENT_MAX_BYTES"])  # not the 1 MB of JSON bodies
def upload():
    actor = current_actor()
    limit = _limit()
    if request.content_length is not None and request.content_length > limit + _FORM_OVERHEAD:
        raise _too_large()  # refused before the body is read
    try:
        f = request.files.get("file")
    except RequestEntityTooLarge:
        raise _too_large() from None
    if f is None:
        raise InvalidCommand("请以 multipart/form-data 上传文件，字段名为 file。",
                             {"file": ["必填项，不能为空。"]})
    data = f.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    svc = services()
    up = keep_upload(svc.engine, blob_store(current_app.config), actor, f.filename, data,
                     svc.clock())
    return jsonify(up.as_dict()), 201


def _readable(actor, sha256: str) -> dict:
    if not is_sha256(sha256):
        raise NotFound("附件不存在。")
    with services().engine.connect() as conn:
        if not may_read(conn, actor, sha256):
            raise NotFound("附件不存在，或您无权查看它所附属的事项。")
        info = describe(conn, sha256)
    store = blob_store(current_app.config)
    if info is None or not store.exists(sha256):
        raise NotFound("附件文件已不在存储中。")
    return info


def serve_file(actor, sha256: str):
    """The bytes to whoever may read them (404 otherwise); PDFs and images shown inline."""
    info = _readable(actor, sha256)
    path = blob_store(current_app.config).path(sha256)
    resp = send_file(path, mimetype=info["content_type"], download_name=info["name"],
                     as_attachment=not kinds.shown_inline(info["content_type"]),
                     etag=sha256, max_age=3600, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def serve_thumbnail(actor, sha256: str):
    info = _readable(actor, sha256)
    if not kinds.is_image(info["content_type"]):
        raise NotFound("只有图片有缩略图。")
    store = blob_store(current_app.config)
    cached = store.root / "thumbs" / f"{sha256}.jpg"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        data = thumbnail(store.read(sha256))
        if data is None:
            raise NotFound("无法为该图片生成缩略图。")
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{sha256}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    resp = send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=3600)
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def download(sha256: str):
    return serve_file(current_actor(), sha256)


def thumb(sha256: str):
    return serve_thumbnail(current_actor(), sha256)


def register_attachment_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/attachments", view_func=upload, methods=["POST"])
    bp.add_url_rule("/attachments/<sha256>", view_func=download, methods=["GET"])
    bp.add_url_rule("/attachments/<sha256>/thumbnail", view_func=thumb, methods=["GET"])
