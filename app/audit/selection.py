"""What an evidence package holds: one stream, one unit's streams, or the events of a period
(see package.py for the definitions), parsed from the CLI's options or the API's arguments and
read from the log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, or_, select

from ..domain.errors import InvalidCommand, NotFound
from ..events import reads
from ..projections.problems import problems
from ..projections.projects import projects
from ..projections.tasks import task_units
from ..projections.units import units

MAX_TEXT = 200


@dataclass(frozen=True)
class Selection:
    stream: str | None = None
    unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def kind(self) -> str:
        return "stream" if self.stream else "unit" if self.unit else "period"

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def period_text(self) -> str:
        a = self.date_from.isoformat() if self.date_from else "日志开始"
        b = self.date_to.isoformat() if self.date_to else "今天"
        return f"{a} 至 {b}"

    def describe(self) -> str:
        """In Chinese, for the guide, the CLI and the verifier's first line."""
        if self.kind == "stream":
            return f"事件流 {self.stream}"
        period = f"（{self.period_text()} 记录的事件）" if self.dated else ""
        if self.kind == "unit":
            return f"单位 {self.unit} 的各事件流{period}"
        return f"{self.period_text()} 记录的全部事件"

    def file_label(self) -> str:
        """The part of a download's name that says what it holds."""
        if self.kind == "stream":
            return self.stream.replace(":", "-").replace("/", "-")
        period = f"{self.date_from or '起'}至{self.date_to or '今'}" if self.dated else ""
        if self.kind == "unit":
            return f"{self.unit}" + (f"-{period}" if period else "")
        return period

    def as_json(self) -> dict:
        return {"kind": self.kind, "stream": self.stream, "unit": self.unit,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None}


def _day(text: str | None, name: str, errors: dict) -> date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        errors[name] = ["日期格式应为 YYYY-MM-DD，如 2026-03-01。"]
        return None


def parse_selection(stream: str | None, unit: str | None, date_from: str | None,
                    date_to: str | None) -> Selection:
    """The selection asked for, or InvalidCommand (400) saying in Chinese what is wrong."""
    stream = (stream or "").strip() or None
    unit = (unit or "").strip() or None
    errors: dict[str, list[str]] = {}
    for name, value in (("stream", stream), ("unit", unit)):
        if value is not None and len(value) > MAX_TEXT:
            errors[name] = [f"不能超过 {MAX_TEXT} 个字符。"]
    start, end = _day(date_from, "from", errors), _day(date_to, "to", errors)
    if errors:
        raise InvalidCommand("证据包的参数有误。", errors)
    if stream and (unit or start or end):
        raise InvalidCommand("证据包的参数有误。", {"stream": [
            "事件流的证据包包含该流的全部事件，不能再按单位或时期筛选。"]})
    if not (stream or unit or start or end):
        raise InvalidCommand("请指定事件流（stream）、单位（unit）或时期（from、to）。",
                             {"stream": ["请指定事件流、单位或时期之一。"]})
    if start and end and start > end:
        raise InvalidCommand("证据包的参数有误。", {"from": ["起始日期不能晚于截止日期。"]})
    return Selection(stream, unit, start, end)


def unit_streams(conn: Connection, unit: str) -> list[str]:
    """The unit's own stream, the projects it owns or answers for, the problems raised by it or
    assigned to it, the tasks it leads or assists (NotFound for an unknown unit)."""
    if conn.execute(select(units.c.code).where(units.c.code == unit)).first() is None:
        raise NotFound(f"没有单位“{unit}”。")
    out = [f"unit:{unit}"]
    out += [f"project:{c}" for (c,) in conn.execute(
        select(projects.c.code).where(or_(projects.c.owner_unit == unit,
                                          projects.c.responsible_unit == unit)))]
    out += [f"problem:{i}" for (i,) in conn.execute(
        select(problems.c.id).where(or_(problems.c.unit == unit,
                                        problems.c.responsible_unit == unit)))]
    out += [f"task:{i}" for (i,) in conn.execute(
        select(task_units.c.task).where(task_units.c.unit == unit).distinct())]
    return out


def position_range(conn: Connection, sel: Selection, tz: ZoneInfo) -> tuple[int, int]:
    """The run of positions recorded in the selection's days (local midnight to midnight): from
    the first event recorded on or after the first day to the last one recorded before the day
    after the last. Empty when first > last."""
    start = (datetime.combine(sel.date_from, time(), tz) if sel.date_from is not None else None)
    end = (datetime.combine(sel.date_to + timedelta(days=1), time(), tz)
           if sel.date_to is not None else None)
    first, last = reads.positions_recorded(conn, start, end)
    return first, last


def selected_rows(conn: Connection, sel: Selection, tz: ZoneInfo) -> list[dict]:
    """The selected events in position order, each with every stored column (NotFound when none)."""
    if sel.kind == "stream":
        rows = reads.stored_rows(conn, stream=sel.stream)
    else:
        rows = reads.stored_rows(
            conn, streams=unit_streams(conn, sel.unit) if sel.kind == "unit" else None,
            positions=position_range(conn, sel, tz) if sel.dated else None)
    if not rows:
        if sel.kind == "stream":
            raise NotFound(f"没有事件流“{sel.stream}”。")
        raise NotFound(f"{sel.describe()}：没有事件，无法生成证据包。")
    return rows


def stream_ranges(rows: list[dict]) -> dict[str, list[int]]:
    """Each stream's first and last version among the rows."""
    out: dict[str, list[int]] = {}
    for r in rows:
        span = out.setdefault(r["stream_id"], [r["version"], r["version"]])
        span[0], span[1] = min(span[0], r["version"]), max(span[1], r["version"])
    return out
