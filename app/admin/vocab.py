"""Chinese names for the domain's values and event types, and small display helpers.

The domain's own dictionaries (app.domain) are the source; this module adds what only the UI
needs: event type names, yes/no, money and instant formatting.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from ..domain.actors import ROLE_NAMES
from ..domain.statuses import ProblemStatus
from ..domain.vocab import (
    EVENT_NAMES,
    INSPECTION_KINDS,
    LEVELS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROBLEM_STATUSES,
    PROJECT_CATEGORIES,
    PROJECT_STAGES,
    UNIT_KINDS,
)
from ..events.model import parse_instant

__all__ = ["INSPECTION_KINDS", "LEVELS", "PROBLEM_CATEGORIES", "PROBLEM_SOURCES",
           "PROBLEM_STATUSES", "PROJECT_CATEGORIES", "PROJECT_STAGES", "ROLE_NAMES", "UNIT_KINDS",
           "EVENT_NAMES", "event_name", "money", "percent", "yes_no", "local_instant",
           "status_badge", "month_of"]


STATUS_STYLES = {ProblemStatus.RAISED: "secondary", ProblemStatus.IN_PROGRESS: "primary",
                 ProblemStatus.AWAITING_VERIFICATION: "warning", ProblemStatus.RESOLVED: "success",
                 ProblemStatus.WITHDRAWN: "light"}


def event_name(event_type: str) -> str:
    return EVENT_NAMES.get(event_type, event_type)


def money(value: float | None) -> str:
    """万元 with two decimals; blank when unknown."""
    return "" if value is None else f"{value:,.2f}"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def yes_no(value) -> str:
    return "是" if value else "否"


def local_instant(text: str | None, tz: ZoneInfo) -> str:
    """A stored instant (the store's UTC text, or ISO 8601 with an offset, as a checkpoint's)
    shown in the business time zone, to the second."""
    if not text:
        return ""
    try:
        moment = parse_instant(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # stored instants without an offset are UTC
            moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def status_badge(status: str | None) -> Markup:
    if not status:
        return Markup("")
    style = STATUS_STYLES.get(status, "secondary")
    return Markup('<span class="badge badge-{}">{}</span>').format(
        style, PROBLEM_STATUSES.get(status, status))


def overdue_badge(days: int | None) -> Markup:
    if not days:
        return Markup("")
    return Markup('<span class="badge badge-danger">逾期 {} 天</span>').format(days)


def month_of(day: date | datetime) -> str:
    return day.strftime("%Y-%m")


def link(url: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, escape(text))
