"""Dispatch statistics (调度统计) and double-over-half (双过半), both for a year through a month."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup
from sqlalchemy import Select, func, literal, select

from ...domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ...reports.summary import Period, Report, target_month
from ...views import dispatch, reports
from ...views.reading import reading
from ...views.scope import Scope
from ..access import services
from ..cache import cached
from ..ledger import Equals, Flag, LedgerView, ReadContext, formatter
from ..queries import unit_choices
from ..vocab import UNIT_KINDS, link, money, percent

BUREAU = (ADMIN, DISPATCHER, LEADER, INSPECTOR)


def period_of(ctx: ReadContext) -> Period:
    """Business dates from 1 January of the year to the end of the `through` month."""
    return Period(ctx.year, int(ctx.through[5:]))


class DispatchStatsView(LedgerView):
    """Dispatch statistics of the period (调度统计), per responsible unit, with the totals and
    the figures per level above: the definitions of ``app/views/dispatch.py``, as the API's
    ``/dispatch-stats?year=&through=`` answers them (a bureau screen)."""

    roles = BUREAU
    pk = "unit"
    default_order = ("unit", False)
    uses_year = True
    export_name = "dispatch"
    count_with_page = True  # the grouping is the work: the count rides along with the page
    column_list = ["unit", "name", "dispatched", "resolved", "in_progress", "overdue"]
    column_labels = {"unit": "责任单位编码", "name": "责任单位", "dispatched": "调度问题（个）",
                     "resolved": "已解决（个）", "in_progress": "办理中（个）", "overdue": "逾期（个）"}
    column_searchable_list = ["unit", "name"]
    column_filters = [Equals("unit", "责任单位", unit_choices)]
    column_formatters = {
        "name": formatter(lambda r: link(url_for("problems.index_view", flt0_unit=r.unit),
                                         r.name or r.unit)),
    }

    def source(self, ctx: ReadContext) -> Select:
        return dispatch.by_unit(period_of(ctx), ctx.today_iso)

    def scope_condition(self, src):
        return Scope(self.actor()).units(src.c.unit)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        period, scope = period_of(ctx), Scope(self.actor())
        per_level = dispatch.by_level(conn, period, scope)
        d = dispatch.totals(conn, period, scope, per_level)
        levels = "；".join(
            str(Markup("{}：调度问题 <b>{}</b> 个，调度会 <b>{}</b> 次，解决 <b>{}</b> 个").format(
                s["level_name"], s["problems_dispatched"], s["meetings"], s["resolved"]))
            for s in per_level)
        return Markup("{} 至 {}：召开调度会 <b>{}</b> 次，调度问题 <b>{}</b> 个，涉及项目 <b>{}</b> 个，"
                      "期间核验销号 <b>{}</b> 个。<br>{}。").format(
            period.start, period.end, d["meetings"], d["problems_dispatched"],
            d["problem_projects"], d["problems_resolved"], Markup(levels))


def forecasts(ctx: ReadContext) -> list:
    """The double-half standing and forecast of each unit (双过半测算) for the page's period,
    computed once per appended event (the page's source is built on every request)."""
    svc = services()
    position = svc.store.position_at(ctx.as_of) if ctx.as_of else None

    def compute(after: int | None) -> list:
        with reading(svc, ctx.as_of, after) as (conn, _position):
            return Report(conn, period_of(ctx)).forecasts

    return cached(("double_half", ctx.year, ctx.through), compute, position)


def _forecast_cell(r) -> Markup:
    badge = ('<span class="badge badge-danger">不能完成</span>' if r.forecast_behind
             else '<span class="badge badge-success">可完成</span>')
    return Markup("{} / {} " + badge).format(money(r.expected), money(r.target))


class DoubleHalfView(LedgerView):
    """Per unit with an investment task: completed against task × months elapsed / 12, and
    beside it the forecast by the half year's end (expected / due, see the README)."""

    roles = BUREAU
    pk = "unit"
    default_order = ("ratio", False)
    uses_year = True
    export_name = "double-half"
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

    def source(self, ctx: ReadContext) -> Select:
        rows = reports.standings(forecasts(ctx)).subquery("double_half")
        return select(rows, literal(None).label("forecast"))

    def scope_condition(self, src):
        return Scope(self.actor()).units(src.c.unit)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        n, behind, short = conn.execute(select(func.count(), func.sum(src.c.behind),
                                               func.sum(src.c.forecast_behind))
                                        .where(*where)).one()
        short = short or 0
        months = int(ctx.through[5:])
        mark = target_month(period_of(ctx))
        return Markup("{} 年 1–{} 月（时间过 {}）：有投资任务的单位 <b>{}</b> 个，未达序时进度 <b>{}</b> 个"
                      "（占 <b>{}</b>）；按在库项目剩余投资和本年月均进度测算，到 {} 月底不能完成的 "
                      "<b>{}</b> 个（占 <b>{}</b>）。").format(
            ctx.year, months, percent(months / 12), n, behind or 0,
            percent((behind or 0) / n) if n else "—", mark, short,
            percent(short / n) if n else "—")
