"""The jobs' settings: from the app's config, else the environment, else the defaults below."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from flask import Flask, current_app, has_app_context


@dataclass(frozen=True)
class JobSettings:
    database_url: str | None = None
    tz_name: str = "Asia/Shanghai"
    instance_path: str = "instance"
    reminder_day: int = 5  # 催报日: reminders for last month's missing progress
    flag_day: int = 10  # from this day, units still missing are flagged to the dispatcher
    publicity_day: int = 15  # 公示日: last month's fast/slow list is published
    fast_points: float = 10.0  # fast: ratio ≥ elapsed + this many percentage points
    slow_points: float = 10.0  # slow: ratio < elapsed − this many percentage points
    lock_lease_seconds: int = 120  # SQLite: renewed while a run lives; a dead one's lapses

    def __post_init__(self) -> None:
        # Days up to 28 so that every month has them.
        for name in ("reminder_day", "flag_day", "publicity_day"):
            if not 1 <= getattr(self, name) <= 28:
                raise ValueError(f"{name.upper()} 须在 1 到 28 之间。")
        if self.flag_day <= self.reminder_day:
            raise ValueError("FLAG_DAY 须晚于 REMINDER_DAY。")


# config key -> (field, type)
_KEYS = {
    "REMINDER_DAY": ("reminder_day", int),
    "FLAG_DAY": ("flag_day", int),
    "PUBLICITY_DAY": ("publicity_day", int),
    "PUBLICITY_FAST_POINTS": ("fast_points", float),
    "PUBLICITY_SLOW_POINTS": ("slow_points", float),
    "SCHEDULER_LOCK_LEASE": ("lock_lease_seconds", int),
}


def settings_from(config: Mapping[str, Any], instance_path: str) -> JobSettings:
    values: dict[str, Any] = {
        "database_url": config.get("DATABASE_URL"),
        "tz_name": config.get("TZ_NAME") or os.environ.get("TZ_NAME") or "Asia/Shanghai",
        "instance_path": instance_path,
    }
    for key, (field, kind) in _KEYS.items():
        raw = config.get(key, os.environ.get(key))
        if raw not in (None, ""):
            values[field] = kind(raw)
    return JobSettings(**values)


def settings_for(app: Flask | None = None) -> JobSettings:
    """The settings of an app (default: the current one; outside any app: environment only)."""
    if app is None and has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app is None:
        return settings_from({}, os.path.abspath("instance"))
    return settings_from(app.config, app.instance_path)
