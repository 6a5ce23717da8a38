"""The task ledger (督办事项台账) and the appraisal (督办考评表) as the bureau's sheets."""
from __future__ import annotations

from typing import Iterator

from ..commands.task_rules import LIGHTS
from ..domain.vocab import FEEDBACK_CYCLES, RATINGS, TASK_SOURCES, TASK_STATUSES
from ..projections.tasks import split_units
from ..projections.tasks import tasks as task_table
from ..views import tasks
from .context import ExportContext
from .ledger import Col, Sheet

LEDGER_COLUMNS = [
    Col("序号", 6, "int"), Col("编号", 9), Col("督办文号", 18), Col("督办事项", 30, "wrap"),
    Col("事项来源", 12), Col("来源文号", 14, "wrap"), Col("牵头单位", 16, "wrap"),
    Col("配合单位", 18, "wrap"), Col("督办领导", 9), Col("交办日期", 11, "date"),
    Col("办理时限", 11, "date"), Col("反馈周期", 8), Col("重点督办", 8), Col("办理状态", 9),
    Col("亮灯", 6), Col("签收日期", 11, "date"), Col("反馈次数", 8, "int"),
    Col("最近反馈", 11, "date"), Col("催办次数", 8, "int"), Col("延期次数", 8, "int"),
    Col("办结日期", 11, "date"), Col("办理天数", 8, "int"), Col("按期办结", 8), Col("满意度", 9),
]


def task_ledger(ctx: ExportContext) -> list[Sheet]:
    day = ctx.view.today
    light = tasks.Lighting(day)
    names = ctx.unit_names()
    unit = lambda code: names.get(code, code)  # noqa: E731

    def rows() -> Iterator[list]:
        q = ctx.narrowed(tasks.ledger(ctx.scope, day, lighting=light), task_table.c.id)
        for i, r in enumerate(ctx.stream(q), 1):
            lt = light(r)
            yield [i, r.id, r.notice_number, r.title, TASK_SOURCES.get(r.source), r.source_ref,
                   unit(r.lead_unit), "、".join(unit(u) for u in split_units(r.co_units)), r.leader,
                   r.registered_on, r.deadline, FEEDBACK_CYCLES.get(r.feedback_cycle),
                   "是" if r.key else "否", TASK_STATUSES.get(r.status), LIGHTS.get(lt or "", ""),
                   r.acknowledged_date, r.feedback_count, r.last_feedback_date, r.urge_count,
                   r.extension_count, r.completed_date, r.days_to_complete,
                   "" if r.on_time is None else ("是" if r.on_time else "否"),
                   RATINGS.get(r.rating or "", "")]

    return [Sheet("督办台账", "督办事项台账", ctx.subtitle(), LEDGER_COLUMNS, rows(),
                  notes=[f"说明：亮灯按 {day:%Y年%m月%d日} 计：逾期未办结为红灯；距办理时限 3 个工作日内、"
                         "反馈逾期或交办后 2 个工作日未签收为黄灯；其余为绿灯。工作日按国家法定节假日安排计算。"])]


def task_appraisal(ctx: ExportContext) -> list[Sheet]:
    year = ctx.year
    end = tasks.period_end(year, ctx.params.get("month"), ctx.view.today)
    f = tasks.appraisal(ctx.conn, ctx.view.today, year, end)
    names = ctx.unit_names()
    cols = [Col("序号", 6, "int"), Col("牵头单位", 24, "wrap"), Col("交办事项", 10, "int"),
            Col("已办结", 10, "int"), Col("按期办结", 10, "int"), Col("按期办结率", 11, "pct"),
            Col("按时签收率", 11, "pct"), Col("按期反馈率", 11, "pct"), Col("满意率", 10, "pct")]
    rows = [[i, names.get(u["unit"], u["unit"]), u["assigned"], u["completed"],
             u["completed_on_time"], u["on_time_rate"], u["acknowledged_on_time_rate"],
             u["feedback_on_time_rate"], u["satisfaction_rate"]] for i, u in enumerate(f["units"], 1)]
    totals = ["合计", None, sum(u["assigned"] for u in f["units"]), f["completed"],
              f["completed_on_time"], f["on_time_rate"], None, None, None]
    extra = f"考评期间：{year}年1月1日—{end:%Y年%m月%d日}交办的事项"
    return [Sheet("督办考评", "督办事项办理情况考评表", ctx.subtitle(extra=extra), cols, rows,
                  totals=totals,
                  notes=["说明：按期办结率 = 按期办结 ÷ 已办结；按时签收率 = 交办后 2 个工作日内签收的事项 ÷ "
                         "交办事项；按期反馈率 = 按期反馈次数 ÷ 应反馈次数；满意率 = 满意与基本满意 ÷ 已评价；"
                         "撤销的事项不计。"])]
