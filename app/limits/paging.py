"""Positions, page sizes and page numbers in query strings: bounded, so that a number too large
for the database's 64-bit integers is a 400 with a Chinese message rather than a driver error."""
from __future__ import annotations

from marshmallow import fields, validate

MAX_POSITION = 2 ** 63 - 1  # BIGINT
MAX_PAGE = 1_000_000


def after_field(**kwargs) -> fields.Integer:
    """An event position to read after (0: from the start)."""
    kwargs.setdefault("load_default", 0)
    return fields.Integer(strict=False, validate=validate.Range(
        min=0, max=MAX_POSITION, error=f"须为 0 到 {MAX_POSITION} 之间的整数。"), **kwargs)


def limit_field(default: int = 100, maximum: int = 1000, **kwargs) -> fields.Integer:
    """How many rows one answer holds."""
    return fields.Integer(load_default=default, validate=validate.Range(
        min=1, max=maximum, error=f"须为 1 到 {maximum} 之间的整数。"), **kwargs)


def page_field(**kwargs) -> fields.Integer:
    """A page number, from 1."""
    kwargs.setdefault("load_default", 1)
    return fields.Integer(validate=validate.Range(
        min=1, max=MAX_PAGE, error=f"页码须为 1 到 {MAX_PAGE} 之间的整数。"), **kwargs)


def page_number(text: str | None, default: int = 1) -> int | None:
    """A page number typed into a staff page's address: None when it is not one in range."""
    if text is None or text == "":
        return default
    if not text.isdigit() or len(text) > 7:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_PAGE else None
