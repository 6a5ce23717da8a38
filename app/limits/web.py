"""The limits applied to every HTTP request before a view runs.

- A body over 1 MB is refused with 413 before it is read (Flask's MAX_CONTENT_LENGTH), so a
  50 MB password never reaches memory; a route that takes a file (an Excel import) raises its
  own ceiling with ``allows_upload``.
- JSON bodies are parsed by ``json_body.CheckedJSONProvider`` (nesting, storable text).
- Query parameters, path parameters and form fields holding NUL or a lone surrogate: 400.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest

from ..domain.errors import InvalidCommand
from .json_body import MAX_JSON_BYTES, CheckedJSONProvider
from .text import bad_text_fields

F = TypeVar("F", bound=Callable)
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file itself
_BAD_INPUT = "输入有误，请检查标出的字段。"


def allows_upload(max_bytes: Callable[[Mapping[str, Any]], int]) -> Callable[[F], F]:
    """Mark a view as taking a file of up to ``max_bytes(app.config)`` bytes (plus the form
    around it) instead of the 1 MB every other request is held to."""
    def mark(view: F) -> F:
        view.upload_limit = max_bytes  # type: ignore[attr-defined]
        return view
    return mark


class InvalidInput(BadRequest):
    """A 400 outside the JSON API, with the Chinese ``description`` its page shows."""

    def __init__(self, description: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(description)
        self.fields = fields or {}


BAD_TEXT_PAGE = "输入中含有无法保存的字符（空字符或无效的 Unicode 字符），未做任何记录。"


def _upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    max_bytes = getattr(view, "upload_limit", None)
    if max_bytes is not None:
        request.max_content_length = int(max_bytes(current_app.config)) + _FORM_OVERHEAD


def _storable_inputs() -> None:
    bad = bad_text_fields(request.view_args or {})
    bad.update(bad_text_fields(request.args.to_dict(flat=False)))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        bad.update(bad_text_fields(request.form.to_dict(flat=False)))
    if bad:
        bad = {key.rsplit(".", 1)[0] if key.rsplit(".", 1)[-1].isdigit() else key: msgs
               for key, msgs in bad.items()}
        if request.path.startswith("/api/"):
            raise InvalidCommand(_BAD_INPUT, bad)
        raise InvalidInput(BAD_TEXT_PAGE, bad)


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask defines the key, as None
        app.config["MAX_CONTENT_LENGTH"] = MAX_JSON_BYTES
    app.json = CheckedJSONProvider(app)
    # registered before the parts of the app that read bodies: the limit must be raised first
    app.before_request(_upload_limit)
    app.before_request(_storable_inputs)
