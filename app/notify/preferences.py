"""When a user is told by e-mail and webhook: quiet hours (免打扰时段) and the daily digest (每日汇总).

Quiet hours hold every e-mail and webhook message to the user, digests included, until they end;
nothing is exempt, not even an overdue (red light): the bureau's deadlines are counted in days, and
the overdue job runs at 00:30, so an exemption would wake people for exactly what quiet hours are
for. The in-app inbox is never held. With the daily digest, the user's messages are not sent one
by one but gathered into one message a day at the digest time (digest.py).

Times are local (TZ_NAME). A user's own quiet hours replace the system's default
(NOTIFY_QUIET_HOURS); "off" means none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .tables import user_contacts

OFF = "off"
IMMEDIATE, DAILY = "immediate", "daily"
DIGESTS = (IMMEDIATE, DAILY)
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class BadSetting(ValueError):
    """A setting that is not one; its text says why, in Chinese."""


def parse_clock(text: str, what: str = "时间") -> time:
    m = CLOCK.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise BadSetting(f"{what}格式应为 HH:MM（24 小时制），如 08:30。")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time  # the first minute that is no longer quiet

    @classmethod
    def parse(cls, text: str) -> "QuietHours | None":
        """"22:00-07:00" (may pass midnight), or "off" for none."""
        if isinstance(text, str) and text.strip().lower() == OFF:
            return None
        start, sep, end = text.strip().partition("-") if isinstance(text, str) else ("", "", "")
        if not sep:
            raise BadSetting("免打扰时段格式应为 HH:MM-HH:MM，如 22:00-07:00；不设免打扰填 off。")
        q = cls(parse_clock(start, "免打扰开始时间"), parse_clock(end, "免打扰结束时间"))
        if q.start == q.end:
            raise BadSetting("免打扰的开始与结束时间不能相同。")
        return q

    def holds(self, t: time) -> bool:
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # past midnight

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Preference:
    quiet: QuietHours | None
    daily: bool
    digest_time: time

    def quiet_at(self, local: datetime) -> bool:
        return self.quiet is not None and self.quiet.holds(local.time())

    def digest_due(self, local: datetime) -> tuple[date, datetime]:
        """The latest digest whose time has come: its day and its cut-off instant (local)."""
        today = datetime.combine(local.date(), self.digest_time, local.tzinfo)
        cut = today if local >= today else today - timedelta(days=1)
        return cut.date(), cut


@dataclass(frozen=True)
class Defaults:
    quiet: QuietHours | None
    digest_time: time
    tz: ZoneInfo

    def of(self, row) -> Preference:
        """A user's preference from their user_contacts row (or None: the defaults)."""
        if row is None:
            return Preference(self.quiet, False, self.digest_time)
        quiet = self.quiet if row.quiet_hours is None else QuietHours.parse(row.quiet_hours)
        at = self.digest_time if row.digest_time is None else parse_clock(row.digest_time)
        return Preference(quiet, row.digest == DAILY, at)


def preferences(conn, defaults: Defaults) -> dict[str, Preference]:
    """Every user who set anything; the others follow ``defaults.of(None)``."""
    rows = conn.execute(select(user_contacts.c.username, user_contacts.c.quiet_hours,
                               user_contacts.c.digest, user_contacts.c.digest_time)).all()
    return {r.username: defaults.of(r) for r in rows}


def check(body: dict, fields: dict[str, list[str]]) -> dict:
    """The preference fields of a contact request, normalised; their faults into ``fields``.

    ``quiet_hours``: "HH:MM-HH:MM", "off", or "" (back to the system default); ``digest``:
    "immediate" or "daily"; ``digest_time``: "HH:MM", or "" (back to the default)."""
    out: dict = {}
    if "quiet_hours" in body:
        v = body["quiet_hours"]
        if not isinstance(v, str):
            fields["quiet_hours"] = ["免打扰时段须为文本，如 22:00-07:00。"]
        elif not v.strip():
            out["quiet_hours"] = None
        else:
            try:
                q = QuietHours.parse(v)
                out["quiet_hours"] = OFF if q is None else str(q)
            except BadSetting as exc:
                fields["quiet_hours"] = [str(exc)]
    if "digest" in body:
        if body["digest"] not in DIGESTS:
            fields["digest"] = ["须为 immediate（逐条发送）或 daily（每日汇总）。"]
        else:
            out["digest"] = body["digest"]
    if "digest_time" in body:
        v = body["digest_time"]
        if isinstance(v, str) and not v.strip():
            out["digest_time"] = None
        else:
            try:
                out["digest_time"] = f"{parse_clock(v, '日报时间'):%H:%M}"
            except BadSetting as exc:
                fields["digest_time"] = [str(exc)]
    return out
