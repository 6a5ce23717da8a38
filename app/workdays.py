"""Working days of the Chinese calendar (工作日): weekends, statutory holidays and the weekend days
that are worked (调休上班), from ``chinesecalendar``.

For a year the package does not know yet, the settings ``WORKDAY_HOLIDAYS`` and ``WORKDAY_WORKDAYS``
(dates ``YYYY-MM-DD``, comma separated) say which days are off and which weekend days are worked;
any other day of such a year follows the plain rule (Monday to Friday), with one warning logged per
year, so that a light is never refused for want of a calendar.
"""
from __future__ import annotations

import logging
import os
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Iterable, Mapping

import chinese_calendar

log = logging.getLogger(__name__)


def _days(value: Any) -> frozenset[date]:
    """Dates from a setting: a comma-separated text or a list of texts or dates."""
    if not value:
        return frozenset()
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    out = set()
    for item in items:
        if isinstance(item, date):
            out.add(item)
        elif str(item).strip():
            try:
                out.add(date.fromisoformat(str(item).strip()))
            except ValueError:  # a typing error in a setting must not stop every light
                log.warning("工作日设置中的“%s”不是 YYYY-MM-DD 格式的日期，已忽略。", item)
    return frozenset(out)


class WorkCalendar:
    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self._warned: set[int] = set()
        self.is_workday = lru_cache(maxsize=8192)(self._is_workday)
        # a day's lights ask the same few counts for thousands of tasks (same deadlines, same
        # assignment days): each is walked once
        self.count = lru_cache(maxsize=65536)(self._count)

    def _is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning("节假日安排未收录 %s 年：按周一至周五计算工作日（可在 WORKDAY_HOLIDAYS、"
                            "WORKDAY_WORKDAYS 中补充当年安排）。", day.year)
            return day.weekday() < 5

    def _count(self, after: date, through: date, stop: int | None = None) -> int:
        """Working days d with after < d <= through (0 when through is not after ``after``);
        with ``stop``, counting ends once it is reached (all a light needs to know)."""
        n, day = 0, after + timedelta(days=1)
        while day <= through:
            n += self.is_workday(day)
            if stop is not None and n >= stop:
                break
            day += timedelta(days=1)
        return n

    def add(self, start: date, workdays: int) -> date:
        """The day that is ``workdays`` working days after ``start``."""
        day = start
        while workdays > 0:
            day += timedelta(days=1)
            workdays -= self.is_workday(day)
        return day

    def on_or_after(self, day: date) -> date:
        """The day itself when worked, else the next working day."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day


def calendar_from(config: Mapping[str, Any]) -> WorkCalendar:
    return _cached(_days(config.get("WORKDAY_HOLIDAYS", os.environ.get("WORKDAY_HOLIDAYS"))),
                   _days(config.get("WORKDAY_WORKDAYS", os.environ.get("WORKDAY_WORKDAYS"))))


@lru_cache(maxsize=16)
def _cached(holidays: frozenset[date], workdays: frozenset[date]) -> WorkCalendar:
    return WorkCalendar(holidays, workdays)


def current() -> WorkCalendar:
    """The calendar of the running app (its config, else the environment)."""
    from flask import current_app, has_app_context

    return calendar_from(current_app.config if has_app_context() else {})


def light_settings(config: Mapping[str, Any] | None = None) -> tuple[int, int]:
    """``TASK_WARN_WORKDAYS`` (3: yellow within so many working days of the deadline) and
    ``TASK_ACK_WORKDAYS`` (2: yellow when the lead unit has not acknowledged within so many)."""
    if config is None:
        from flask import current_app, has_app_context

        config = current_app.config if has_app_context() else {}
    def setting(name: str, default: int) -> int:
        raw = config.get(name, os.environ.get(name))
        return default if raw in (None, "") else int(raw)
    return setting("TASK_WARN_WORKDAYS", 3), setting("TASK_ACK_WORKDAYS", 2)
