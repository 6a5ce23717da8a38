"""Problem-side ledgers: the problem ledger (问题台账), rectification (整改台账), dispatch statistics
(调度统计) and the event log extract for inspectors (事件日志摘录)."""
from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import select

from ..domain.statuses import ProblemStatus
from ..domain.vocab import (
    EVENT_NAMES,
    INSPECTION_KINDS,
    LEVELS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROBLEM_STATUSES,
)
from ..events.model import parse_instant
from ..projections.oversight import inspections
from ..projections.problems import problems
from ..reports.summary import Period
from ..views import dispatch
from ..views.problems import export_rows, is_overdue
from .context import ExportContext
from .ledger import Col, Sheet

def _overdue_days(row, day: date) -> int | None:
    return (day - date.fromisoformat(row.deadline)).days if is_overdue(row, day) else None


LEDGER_COLUMNS = [
    Col("序号", 6, "int"), Col("问题编号", 10), Col("项目编码", 12), Col("项目名称", 22, "wrap"),
    Col("问题类别", 14, "wrap"), Col("问题描述", 34, "wrap"), Col("问题来源", 11),
    Col("提出日期", 11, "date"), Col("调度级别", 9), Col("责任单位", 16, "wrap"),
    Col("责任人", 9), Col("联系领导", 9), Col("调度意见", 30, "wrap"), Col("完成时限", 11, "date"),
    Col("办理状态", 9), Col("逾期天数", 8, "int"), Col("调度次数", 8, "int"),
    Col("提级次数", 8, "int"), Col("催办次数", 8, "int"), Col("销号日期", 11, "date"),
    Col("办理天数", 8, "int"),
]


def problem_ledger(ctx: ExportContext) -> list[Sheet]:
    day = ctx.view.today
    q = ctx.narrowed(export_rows(ctx.scope), problems.c.id)
    names = ctx.unit_names()

    def rows() -> Iterator[list]:
        for i, r in enumerate(ctx.stream(q), 1):
            unit = r.responsible_unit or r.unit
            yield [i, r.id, r.project, r.project_name, PROBLEM_CATEGORIES.get(r.category),
                   r.description, PROBLEM_SOURCES.get(r.source), r.raised_on,
                   LEVELS.get(r.level) if r.level else "未调度", names.get(unit, unit),
                   r.responsible_person, r.leader, r.decision, r.deadline,
                   PROBLEM_STATUSES.get(r.status), _overdue_days(r, day), r.dispatch_count,
                   r.escalation_count, r.urge_count, r.resolved_on, r.days_to_resolve]

    return [Sheet("问题台账", "重大项目问题台账", ctx.subtitle(), LEDGER_COLUMNS, rows(),
                  notes=[f"说明：逾期天数按 {day:%Y年%m月%d日} 计算；责任单位未调度的为提出单位。"])]


def rectification(ctx: ExportContext) -> list[Sheet]:
    day = ctx.view.today
    rows = export_rows(ctx.scope, source="inspection").subquery("found")
    q = (select(rows, inspections.c.on_date.label("inspected_on"),
                inspections.c.kind.label("inspection_kind"))
         .select_from(rows.outerjoin(inspections, inspections.c.id == rows.c.inspection))
         .where(rows.c.status != ProblemStatus.WITHDRAWN)
         .order_by(rows.c.inspection, rows.c.id))
    names = ctx.unit_names()

    def items() -> Iterator[list]:
        for i, r in enumerate(ctx.stream(q), 1):
            unit = r.responsible_unit or r.unit
            done = "已整改" if r.status == ProblemStatus.RESOLVED else (
                "逾期未整改" if is_overdue(r, day) else "整改中")
            yield [i, r.inspection, r.inspected_on, INSPECTION_KINDS.get(r.inspection_kind),
                   r.id, r.project_name or r.project, r.description, names.get(unit, unit),
                   r.decision, r.deadline, done, r.resolved_on]

    item_cols = [Col("序号", 6, "int"), Col("督查编号", 10), Col("督查日期", 11, "date"),
                 Col("督查类型", 12), Col("问题编号", 10), Col("项目", 22, "wrap"),
                 Col("存在问题", 36, "wrap"), Col("责任单位", 16, "wrap"),
                 Col("整改措施", 30, "wrap"), Col("整改时限", 11, "date"), Col("整改情况", 11),
                 Col("销号日期", 11, "date")]
    per_unit = dispatch.rectification_rows(ctx.conn, day.isoformat(), ctx.scope)
    total = {k: sum(s[k] for s in per_unit) for k in ("total", "resolved", "in_progress", "overdue")}
    unit_cols = [Col("序号", 6, "int"), Col("责任单位", 24, "wrap"), Col("问题数", 10, "int"),
                 Col("已整改", 10, "int"), Col("整改中", 10, "int"), Col("逾期", 10, "int"),
                 Col("整改率", 10, "pct")]
    unit_rows = ([i, s["name"] or s["unit"] or "（未定）", s["total"], s["resolved"],
                  s["in_progress"], s["overdue"], s["rate"]] for i, s in enumerate(per_unit, 1))
    totals = ["合计", None, total["total"], total["resolved"], total["in_progress"],
              total["overdue"], total["resolved"] / total["total"] if total["total"] else None]
    return [Sheet("整改台账", "督查发现问题整改台账", ctx.subtitle(), item_cols, items()),
            Sheet("按单位汇总", "督查发现问题整改情况（按责任单位）", ctx.subtitle(), unit_cols,
                  unit_rows, totals=totals, notes=["说明：整改率 = 已整改 ÷ 问题数；撤回的问题不计。"])]


def dispatch_statistics(ctx: ExportContext) -> list[Sheet]:
    """The statistics of ``app/views/dispatch.py``: of the year through ``month`` when asked for
    one (as the staff page 调度统计 shows them), else of all time."""
    span = Period(ctx.year, ctx.through) if ctx.params.get("month") else dispatch.ALL_TIME
    stats = dispatch.statistics(ctx.conn, span, ctx.view.today.isoformat(), ctx.scope)
    by_level = stats["by_level"]
    level_cols = [Col("调度级别", 14), Col("召开调度会（次）", 14, "int"),
                  Col("调度问题（个）", 14, "int"), Col("已解决（个）", 14, "int"),
                  Col("解决率", 10, "pct")]
    level_rows = [[s["level_name"], s["meetings"], s["problems_dispatched"], s["resolved"],
                   s["resolved"] / s["problems_dispatched"] if s["problems_dispatched"] else None]
                  for s in by_level]
    sums = [sum(s[k] for s in by_level) for k in ("meetings", "problems_dispatched", "resolved")]
    unit_cols = [Col("序号", 6, "int"), Col("责任单位", 24, "wrap"), Col("调度问题（个）", 14, "int"),
                 Col("已解决（个）", 12, "int"), Col("办理中（个）", 12, "int"),
                 Col("逾期（个）", 10, "int"), Col("解决率", 10, "pct")]
    by_unit = stats["by_unit"]
    unit_rows = [[i, s["name"] or s["unit"], s["dispatched"], s["resolved"], s["in_progress"],
                  s["overdue"], s["resolved"] / s["dispatched"] if s["dispatched"] else None]
                 for i, s in enumerate(by_unit, 1)]
    u = [sum(s[k] for s in by_unit) for k in ("dispatched", "resolved", "in_progress", "overdue")]
    note = ("说明：调度问题为期间内有调度意见的问题，已解决为期间内核验销号且此后未重新打开的问题；"
            "问题按核验时所在级别计入“已解决”；一个问题在多个级别调度的，各级分别计数；"
            "按责任单位为问题现在的责任单位。")
    return [
        Sheet("按调度级别", "重大项目三级调度统计表（按调度级别）", ctx.subtitle(period=span is not dispatch.ALL_TIME), level_cols,
              level_rows, totals=["合计", *sums, sums[2] / sums[1] if sums[1] else None],
              notes=[note]),
        Sheet("按责任单位", "重大项目调度问题办理情况（按责任单位）", ctx.subtitle(), unit_cols,
              unit_rows, totals=["合计", None, *u, u[1] / u[0] if u[0] else None]),
    ]


EVENT_COLUMNS = [
    Col("位置", 9, "int"), Col("记录时刻", 20), Col("业务日期", 11, "date"), Col("对象", 18),
    Col("版本", 6, "int"), Col("事件", 16), Col("事件类型", 20), Col("操作人", 12), Col("角色", 10),
    Col("单位", 10), Col("内容", 60, "wrap"), Col("哈希", 66),
]


def event_log(ctx: ExportContext) -> list[Sheet]:
    from ..domain.actors import ROLE_NAMES
    from ..events.chain import canonical_json

    names = EVENT_NAMES
    store = ctx.view.services.store
    prefix = ctx.params.get("stream")
    tz = ctx.view.services.tz

    from ..commands.security import STREAM as SECURITY_STREAM
    from ..commands.security import may_read_security_log

    hidden = None if may_read_security_log(ctx.actor) else SECURITY_STREAM

    def rows() -> Iterator[list]:
        for ev in store.read_all(until_position=ctx.view.position, conn=ctx.conn):
            if (prefix and not ev.stream_id.startswith(prefix)) or ev.stream_id == hidden:
                continue
            meta = ev.meta
            yield [ev.position, f"{parse_instant(ev.recorded_at).astimezone(tz):%Y-%m-%d %H:%M:%S}",
                   ev.business_date, ev.stream_id, ev.version, names.get(ev.type, ev.type), ev.type,
                   meta.get("actor"), ROLE_NAMES.get(meta.get("role"), meta.get("role")),
                   meta.get("unit"), canonical_json(ev.data), ev.hash]

    extra = f"范围：{prefix}" if prefix else "范围：全部事件"
    return [Sheet("事件日志", "督办系统事件日志摘录", ctx.subtitle(extra=extra), EVENT_COLUMNS,
                  rows(), signature=False, notes=["说明：事件只追加、不修改；哈希链可用“flask audit verify”"
                                 "或 GET /api/v1/audit/verify 校验。记录时刻为北京时间。"])]


