"""Dispatch statistics (调度统计) and double-over-half (双过半), both for a year through a month."""
from __future__ import annotations

import calendar
from typing import Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy import Select, String, cast, func, literal, select

from ...domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..access import services
from ..home import summary_figures
from ..ledger import Equals, Flag, LedgerView, ReadContext, formatter, read_context
from ..queries import Scope, dispatch_rows, double_half_rows, unit_choices
from ..vocab import LEVELS, UNIT_KINDS, link, money, percent

BUREAU = (ADMIN, DISPATCHER, LEADER, INSPECTOR)


def period_bounds(ctx: ReadContext) -> tuple[str, str]:
    """Business dates from 1 January of the year to the end of the `through` month."""
    year, month = int(ctx.through[:4]), int(ctx.through[5:])
    return f"{ctx.year}-01-01", f"{ctx.through}-{calendar.monthrange(year, month)[1]:02d}"


class DispatchStatsView(LedgerView):
    """Dispatch decisions of the period per level and responsible unit (a bureau screen)."""

    roles = BUREAU
    pk = "key"
    default_order = ("key", False)
    uses_year = True
    count_with_page = True  # every decision of the period is grouped: do it once per page
    column_list = ["level", "unit_name", "decisions", "problems", "projects", "resolved", "overdue"]
    column_labels = {"level": "调度级别", "unit_name": "责任单位", "decisions": "调度意见（条）",
                     "problems": "调度问题（个）", "projects": "涉及项目（个）",
                     "resolved": "已解决（个）", "overdue": "逾期（个）", "key": "键"}
    column_searchable_list = ["unit", "unit_name"]
    column_choices = {"level": list(LEVELS.items())}
    column_filters = [
        Equals("level", "调度级别", [(str(k), v) for k, v in LEVELS.items()], cast=int),
        Equals("unit", "责任单位", unit_choices),
    ]
    column_formatters = {
        "unit_name": formatter(lambda r: link(
            url_for("problems.index_view", flt0_unit=r.unit, flt1_level=r.level),
            r.unit_name or r.unit)),
    }

    def source(self, ctx: ReadContext) -> Select:
        start, end = period_bounds(ctx)
        rows = dispatch_rows(ctx.today_iso, start, end).subquery("stats")
        key = cast(rows.c.level, String) + literal("-") + func.coalesce(rows.c.unit, "")
        return select(rows, key.label("key"))

    def scope_condition(self, src):
        return Scope(self.actor()).units(src.c.unit)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        # The period's distinct totals are the summary report's (a problem dispatched at two
        # levels is one problem, so the grouped rows above cannot simply be added up).
        start, end = period_bounds(ctx)
        position = services().store.position_at(ctx.as_of) if ctx.as_of else None
        figures = summary_figures(conn, ctx.year, int(ctx.through[5:]), position)
        if figures is None:
            return Markup("{} 至 {} 的调度意见，按级别与责任单位。").format(start, end)
        d = figures["dispatch"]
        return Markup("{} 至 {}：召开调度会 <b>{}</b> 次，调度问题 <b>{}</b> 个，涉及项目 <b>{}</b> 个，"
                      "期间核验销号 <b>{}</b> 个。").format(start, end, d["meetings"],
                                                    d["problems_dispatched"],
                                                    d["problem_projects"], d["problems_resolved"])


def forecasts(ctx: ReadContext) -> dict[str, Any]:
    """The double-half forecast of each unit (双过半测算) for the page's period, once a request."""
    from flask import g

    from ...api.queries import reading
    from ...reports.summary import Period, Report

    key = ("duban_forecasts", ctx)
    found = g.get("duban_forecasts")
    if found is None or found[0] != key:
        with reading(services(), ctx.as_of) as (conn, _position):
            report = Report(conn, Period(ctx.year, int(ctx.through[5:])))
            found = (key, {f.unit: f for f in report.forecasts})
        g.duban_forecasts = found
    return found[1]


def _forecast_cell(r) -> Markup:
    f = forecasts(read_context()).get(r.unit)
    if f is None:
        return Markup("")
    badge = ('<span class="badge badge-danger">不能完成</span>' if f.forecast_behind
             else '<span class="badge badge-success">可完成</span>')
    return Markup("{} / {} " + badge).format(money(f.expected), money(f.target))


class DoubleHalfView(LedgerView):
    """Per unit with an investment task: completed against task × months elapsed / 12, and
    beside it the forecast by the half year's end (expected / due, see the README)."""

    roles = BUREAU
    pk = "unit"
    default_order = ("ratio", False)
    uses_year = True
    column_list = ["unit", "unit_name", "kind", "task", "required", "completed", "ratio", "behind",
                   "forecast"]
    column_sortable_list = ["unit", "unit_name", "kind", "task", "required", "completed", "ratio",
                            "behind"]
    column_labels = {"unit": "单位编码", "unit_name": "单位", "kind": "单位类型",
                     "task": "年度投资任务（万元）", "required": "序时进度应完成（万元）",
                     "completed": "已完成（万元）", "ratio": "完成任务比例", "behind": "未达序时",
                     "forecast": "测算可完成 / 应完成（万元）"}
    column_searchable_list = ["unit", "unit_name"]
    column_choices = {"kind": list(UNIT_KINDS.items()), "behind": [(1, "是"), (0, "否")]}
    column_filters = [Flag("behind", "未达序时"), Equals("kind", "单位类型", list(UNIT_KINDS.items()))]
    column_formatters = {
        "task": formatter(lambda r: money(r.task)),
        "required": formatter(lambda r: money(r.required)),
        "completed": formatter(lambda r: money(r.completed)),
        "ratio": formatter(lambda r: percent(r.ratio)),
        "behind": formatter(lambda r: Markup('<span class="badge badge-danger">未达序时</span>')
                            if r.behind else Markup('<span class="badge badge-success">达到</span>')),
        "forecast": formatter(_forecast_cell),
    }
    column_formatters_export = {
        "forecast": formatter(lambda r: (lambda f: f"{f.expected:.2f} / {f.target:.2f}"
                                         f"{'（不能完成）' if f.forecast_behind else '（可完成）'}"
                                         if f else "")(forecasts(read_context()).get(r.unit))),
    }

    def source(self, ctx: ReadContext) -> Select:
        rows = double_half_rows(ctx.year, ctx.through).subquery("double_half")
        return select(rows, literal(None).label("forecast"))

    def scope_condition(self, src):
        return Scope(self.actor()).units(src.c.unit)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        n, behind = conn.execute(select(func.count(), func.sum(src.c.behind))
                                 .where(*where)).one()
        months = int(ctx.through[5:])
        shown = set(conn.execute(select(src.c.unit).where(*where)).scalars())
        ahead = [f for u, f in forecasts(ctx).items() if u in shown]
        short = sum(1 for f in ahead if f.forecast_behind)
        mark = ahead[0].target_month if ahead else (6 if months <= 6 else 12)
        return Markup("{} 年 1–{} 月（时间过 {}）：有投资任务的单位 <b>{}</b> 个，未达序时进度 <b>{}</b> 个"
                      "（占 <b>{}</b>）；按在库项目剩余投资和本年月均进度测算，到 {} 月底不能完成的 "
                      "<b>{}</b> 个（占 <b>{}</b>）。").format(
            ctx.year, months, percent(months / 12), n, behind or 0,
            percent((behind or 0) / n) if n else "—", mark, short,
            percent(short / len(ahead)) if ahead else "—")
