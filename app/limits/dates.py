"""Days and instants: one field of each for every command and query.

Dates outside 1900-01-01 .. 2100-12-31 are refused: nothing the bureau supervises lies there,
and a year such as 1 or 9999 breaks date arithmetic further on (a deadline plus a day, an
instant moved into the business time zone)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from marshmallow import ValidationError, fields

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
DAY_RANGE_MESSAGE = "日期须在 1900-01-01 至 2100-12-31 之间。"
INSTANT_RANGE_MESSAGE = "时点须在 1900-01-01 至 2100-12-31 之间。"
# the widest offset a zone has (±14:00) cannot take an instant in range out of range in UTC
_FIRST_INSTANT = datetime(1899, 12, 31, 10, 0, tzinfo=timezone.utc)
_LAST_INSTANT = datetime(2101, 1, 1, 14, 0, tzinfo=timezone.utc)


def day_in_range(value: date) -> bool:
    return FIRST_DAY <= value <= LAST_DAY


class Day(fields.Date):
    """A day (YYYY-MM-DD) from 1900-01-01 to 2100-12-31."""

    default_error_messages = {"invalid": "不是有效的日期（格式 YYYY-MM-DD）。",
                              "format": "不是有效的日期（格式 YYYY-MM-DD）。"}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "日期（YYYY-MM-DD），1900-01-01 至 2100-12-31")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not day_in_range(day):
            raise ValidationError(DAY_RANGE_MESSAGE)
        return day


class Instant(fields.AwareDateTime):
    """An instant in ISO 8601 with its offset, from 1900-01-01 to 2100-12-31."""

    default_error_messages = {
        "invalid": "不是有效的时点（ISO 8601，须带时区，例如 2019-06-30T18:00:00+08:00）。",
        "invalid_awareness": "时点须带时区偏移（例如 +08:00 或 Z）。",
        "format": "不是有效的时点（ISO 8601，须带时区）。",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not _FIRST_INSTANT <= moment <= _LAST_INSTANT or not day_in_range(moment.date()):
            raise ValidationError(INSTANT_RANGE_MESSAGE)
        return moment


def parse_instant_text(text: str | None) -> datetime | None:
    """An instant typed into a page or a command line: None when blank; ValueError with a
    Chinese message when it is not one or lies out of range."""
    if text is None or not text.strip():
        return None
    try:
        return Instant().deserialize(text.strip())
    except ValidationError as exc:
        raise ValueError("；".join(exc.messages)) from None  # type: ignore[arg-type]
