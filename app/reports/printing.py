"""The report as a PDF for an actor, a period and an instant: shared by the API, the staff page
and the command line."""
from __future__ import annotations

import os
from datetime import datetime

from ..views.reading import reading
from ..bootstrap import Services
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, Actor
from ..domain.errors import Forbidden, InvalidCommand
from .summary import Period

REPORT_ROLES = (ADMIN, DISPATCHER, LEADER, INSPECTOR)
DEFAULT_ORG = "区发展和改革局"


def parse_period(year: int | None, through: str | None, today) -> Period:
    """As GET /reports/summary takes them; a 400 with the field for what cannot be a period."""
    try:
        if through:
            return Period.parse(year or int(through[:4]), through)
        year = year or today.year
        return Period(year, today.month if year == today.year else 12)
    except (ValueError, TypeError):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"through": [
            "截止时间应为所查年度内的 YYYY-MM 或存在的日期 YYYY-MM-DD（如 2019-06-25）。"]}) from None


def summary_pdf(svc: Services, actor: Actor, period: Period, as_of: datetime | None = None,
                org: str | None = None, after: int | None = None) -> bytes:
    from .pdf import report_pdf
    from .text import report_for

    if actor.role not in REPORT_ROLES and actor.role != "system":
        raise Forbidden("您的角色无权查看全区汇总数据。")
    with reading(svc, as_of, after) as (conn, _position):
        title, sections = report_for(conn, period)
    instant = (as_of or svc.clock()).astimezone(svc.tz)
    return report_pdf(title, sections, org or os.environ.get("EXCEL_ORG_NAME") or DEFAULT_ORG,
                      instant)
