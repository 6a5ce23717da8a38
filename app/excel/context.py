"""What a sheet builder sees (``ExportContext``): the view it reads from, the reader's scope,
the period and the header texts. Apart from ``exports.py``, which lists the sheets, so that the
sheets and the list do not import each other."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from ..domain.actors import Actor
from ..views.reading import STREAM, QueryView
from ..views.scope import Scope
from ..views.units import unit_names


@dataclass
class ExportContext:
    """What a sheet builder sees: the view it reads from, the period and the header texts."""

    view: QueryView
    params: dict[str, Any]
    org: str
    instant: datetime  # the as-of instant, or now
    # a condition on a sheet's key column narrowing its rows (a staff page's filters), or None
    narrow: Callable[[Any], Any] | None = None
    _units: dict[str, str] | None = field(default=None, repr=False)

    @property
    def conn(self):
        return self.view.conn

    @property
    def actor(self) -> Actor:
        return self.view.actor

    def stream(self, query):
        """The query's rows a batch at a time, for a sheet that writes them as they come."""
        return self.conn.execute(query.execution_options(**STREAM))

    def narrowed(self, query, key):
        """``query`` with only the rows whose ``key`` the narrowing keeps."""
        return query if self.narrow is None else query.where(self.narrow(key))

    @property
    def scope(self) -> Scope:
        """What the reader may see: every sheet reads through it."""
        return Scope(self.actor)

    @property
    def month(self) -> str:
        """The month the sheet is for (YYYY-MM): as asked, or the month of the as-of day."""
        return self.params.get("month") or self.view.today.strftime("%Y-%m")

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def through(self) -> int:
        return int(self.month[5:7])

    def subtitle(self, period: bool = False, extra: str = "") -> str:
        tz = self.view.services.tz
        parts = [f"填报单位：{self.org}",
                 f"数据截至：{self.instant.astimezone(tz):%Y年%m月%d日 %H:%M}"]
        if period:
            parts.append(f"统计期间：{self.year}年1—{self.through}月")
        if extra:
            parts.append(extra)
        return "　　".join(parts)

    def unit_names(self) -> dict[str, str]:
        if self._units is None:
            self._units = unit_names(self.conn)
        return self._units

    def unit_name(self, code: str | None) -> str | None:
        return self.unit_names().get(code, code) if code else None
