"""Ledgers of dispatch meetings (调度会), inspections and bulletins (督查、通报), statistics
entries (入库) and the reserve (储备项目库)."""
from __future__ import annotations

from collections import Counter
from typing import Iterator

from ..domain.vocab import INSPECTION_KINDS, LEVELS, PROJECT_CATEGORIES, PROJECT_STAGES
from ..projections.projects import projects as project_table
from ..reports.summary import stats_threshold
from ..views import oversight, projects
from .context import ExportContext
from .ledger import Col, Sheet


def meeting_ledger(ctx: ExportContext) -> list[Sheet]:
    """Each dispatch meeting, with the problems dispatched at it."""
    rows = oversight.meetings(ctx.conn, ctx.scope)
    counts = oversight.problems_per_meeting(ctx.conn)
    cols = [Col("序号", 6, "int"), Col("编号", 10), Col("调度级别", 10), Col("会议日期", 11, "date"),
            Col("主持人", 10), Col("会议议题", 40, "wrap"), Col("参会人员", 30, "wrap"),
            Col("调度问题（个）", 10, "int")]
    out = [[i, m["id"], LEVELS.get(m["level"]), m["date"], m["chair"], m["topic"],
            "、".join(m["attendees"]), counts.get(m["id"], 0)] for i, m in enumerate(rows, 1)]
    per_level = Counter(m["level"] for m in rows)
    note = "；".join(f"{name} {per_level.get(level, 0)} 次" for level, name in LEVELS.items())
    return [Sheet("调度会", "重大项目调度会议台账", ctx.subtitle(), cols, out,
                  totals=["合计", f"{len(rows)} 次", None, None, None, None, None,
                          sum(counts.get(m["id"], 0) for m in rows)],
                  notes=[f"说明：{note}。调度问题为在该次会议上作出调度决定的问题。"])]


def inspection_ledger(ctx: ExportContext) -> list[Sheet]:
    """Inspections with the problems each found, and the bulletins (督查通报) that cite them."""
    rows = oversight.inspections(ctx.conn, ctx.scope)
    names = ctx.unit_names()
    found = oversight.problems_found(ctx.conn, ctx.scope)
    cols = [Col("序号", 6, "int"), Col("督查编号", 10), Col("督查类型", 12), Col("督查日期", 11, "date"),
            Col("督查人员", 18, "wrap"), Col("督查对象", 24, "wrap"), Col("督查情况", 40, "wrap"),
            Col("发现问题（个）", 10, "int"), Col("问题编号", 16, "wrap")]
    out = [[i, r["id"], INSPECTION_KINDS.get(r["kind"], r["kind"]), r["date"],
            "、".join(r["inspectors"]), "、".join(names.get(u, u) for u in r["targets"]),
            r["summary"], len(found.get(r["id"], [])), "、".join(found.get(r["id"], []))]
           for i, r in enumerate(rows, 1)]
    kinds = Counter(r["kind"] for r in rows)
    note = "；".join(f"{name} {kinds.get(k, 0)} 次" for k, name in INSPECTION_KINDS.items())
    bulletin_cols = [Col("序号", 6, "int"), Col("通报文号", 18, "wrap"), Col("通报标题", 40, "wrap"),
                     Col("通报日期", 11, "date"), Col("所涉督查", 24, "wrap")]
    shown = {r["id"] for r in rows}
    bulletin_rows = [[i, b["number"], b["title"], b["date"],
                      "、".join(x for x in b["inspections"] if x in shown)]
                     for i, b in enumerate(oversight.bulletins(ctx.conn, ctx.scope), 1)]
    return [Sheet("督查记录", "纪检督查记录台账", ctx.subtitle(), cols, out,
                  totals=["合计", f"{len(rows)} 次", None, None, None, None, None,
                          sum(len(found.get(r["id"], [])) for r in rows), None],
                  notes=[f"说明：{note}。"]),
            Sheet("督查通报", "督查通报台账", ctx.subtitle(), bulletin_cols, bulletin_rows)]


def stats_entries(ctx: ExportContext) -> list[Sheet]:
    """Projects entered into the statistics database (入库), in the order of their entry."""
    threshold = stats_threshold()
    rows = ctx.conn.execute(projects.entered(ctx.scope)).all()
    cols = [Col("序号", 6, "int"), Col("入库日期", 11, "date"), Col("项目编码", 12),
            Col("项目名称", 30, "wrap"), Col("项目类别", 10), Col("项目阶段", 10),
            Col("责任单位", 18, "wrap"), Col("总投资（万元）", 14, "money"),
            Col(f"总投资{threshold:g}万以上", 12)]
    out = [[i, r.stats_entry_on, r.code, r.name, PROJECT_CATEGORIES.get(r.category),
            PROJECT_STAGES.get(r.stage), ctx.unit_name(r.responsible_unit), r.total_investment,
            "是" if r.total_investment >= threshold else "否"] for i, r in enumerate(rows, 1)]
    per_year = Counter(r.stats_entry_on[:4] for r in rows)
    note = "；".join(f"{y} 年 {n} 个" for y, n in sorted(per_year.items())) or "无"
    return [Sheet("入库项目", "项目入库（纳入统计）台账", ctx.subtitle(), cols, out,
                  totals=["合计", None, None, f"{len(rows)} 个项目", None, None, None,
                          round(sum(r.total_investment for r in rows), 4),
                          f"{sum(1 for r in rows if r.total_investment >= threshold)} 个"],
                  notes=[f"说明：入库日期为首次纳入统计库的日期。按年：{note}。"])]


def reserve(ctx: ExportContext) -> list[Sheet]:
    """The reserve (储备项目库): projects in stage 储备."""
    rows = ctx.conn.execute(ctx.narrowed(projects.reserve(ctx.scope), project_table.c.code)).all()
    cols = [Col("序号", 6, "int"), Col("项目编码", 12), Col("项目名称", 32, "wrap"),
            Col("项目类别", 10), Col("业主单位", 18, "wrap"), Col("责任单位", 18, "wrap"),
            Col("总投资（万元）", 14, "money"), Col("计划开工日期", 12, "date"),
            Col("登记日期", 11, "date")]

    def out() -> Iterator[list]:
        for i, r in enumerate(rows, 1):
            yield [i, r.code, r.name, PROJECT_CATEGORIES.get(r.category),
                   ctx.unit_name(r.owner_unit), ctx.unit_name(r.responsible_unit),
                   r.total_investment, r.planned_start, r.registered_on]

    return [Sheet("储备项目", "重大项目储备库", ctx.subtitle(), cols, out(),
                  totals=["合计", None, f"{len(rows)} 个项目", None, None, None,
                          round(sum(r.total_investment for r in rows), 4), None, None],
                  notes=["说明：储备项目为尚未进入前期或建设阶段的项目，不计入重大项目。"])]
