"""Project-side ledgers: the monthly progress table (重大项目推进情况表), double-over-half per unit
(双过半), the published fast/slow list (红黑榜) and the project list in its import form."""
from __future__ import annotations

from ..domain.vocab import PROJECT_CATEGORIES, PROJECT_STAGES
from ..projections.projects import projects as project_table
from ..reports.summary import Period, unit_standings
from ..views import jobs, projects
from ..views.problems import open_by_project
from .context import ExportContext
from .ledger import Col, Sheet
from .publicity_sheet import fast_slow_sheet

CATEGORY_ORDER = {c: i for i, c in enumerate(PROJECT_CATEGORIES)}


def _sum(values) -> float:
    return round(sum(v for v in values if v is not None), 4)


PROGRESS_COLUMNS = [
    Col("序号", 6, "int"), Col("项目编码", 12), Col("项目名称", 24, "wrap"), Col("项目类别", 10),
    Col("项目阶段", 10), Col("责任单位", 16, "wrap"), Col("联系县级领导", 10),
    Col("总投资（万元）", 13, "money"), Col("年度计划投资（万元）", 13, "money"),
    Col("填报月份", 9), Col("本月完成投资（万元）", 13, "money"),
    Col("年度累计完成投资（万元）", 14, "money"), Col("占年度计划", 9, "pct"),
    Col("形象进度", 34, "wrap"), Col("存在问题", 30, "wrap"),
]


def progress_table(ctx: ExportContext) -> list[Sheet]:
    """Major projects (every one not in the reserve) with the month's progress.

    Its columns include those of the progress import, so the sheet can be filled in and
    imported back; rows without the month's figures import as nothing.
    """
    month, year = ctx.month, ctx.year
    conn = ctx.conn
    rows = conn.execute(ctx.narrowed(projects.major(ctx.scope), project_table.c.code)).all()
    rows.sort(key=lambda r: (CATEGORY_ORDER.get(r.category, 9), r.code))
    codes = [r.code for r in rows]
    plans = projects.annual_plan_amounts(conn, year, codes)
    ytd = projects.ytd_investment(conn, year, through=month, codes=codes)
    this = projects.month_progress(conn, month)
    open_problems = open_by_project(conn)
    out = []
    for i, r in enumerate(rows, 1):
        p = this.get(r.code)
        done = ytd.get(r.code, 0.0)
        out.append([i, r.code, r.name, PROJECT_CATEGORIES.get(r.category),
                    PROJECT_STAGES.get(r.stage), ctx.unit_name(r.responsible_unit), r.leader,
                    r.total_investment, plans.get(r.code), month,
                    p.month_investment if p else None, done,
                    projects.plan_ratio(done, plans.get(r.code)),
                    p.image_progress if p else None, "\n".join(open_problems.get(r.code, []))])
    plan_total = _sum(plans.values())
    done_total = _sum(ytd.get(c, 0.0) for c in codes)
    totals = [None, "合计", f"{len(rows)} 个项目", None, None, None, None,
              _sum(r.total_investment for r in rows), plan_total, None,
              _sum(p.month_investment for c, p in this.items() if c in set(codes)), done_total,
              done_total / plan_total if plan_total else None, None, None]
    title = f"{year}年{ctx.through}月重大项目推进情况表"
    return [Sheet("推进情况", title, ctx.subtitle(period=True), PROGRESS_COLUMNS, out,
                  totals=totals,
                  notes=["说明：金额单位为万元；年度累计完成投资为当年各月最新填报之和；"
                         "存在问题为尚未销号的问题。本表可填写后作为月度进度表导入。"])]


def double_half(ctx: ExportContext) -> list[Sheet]:
    period = Period(ctx.year, ctx.through)
    standings = unit_standings(ctx.conn, period)
    if ctx.scope.unit:
        standings = [s for s in standings if s.unit == ctx.scope.unit]
    cols = [Col("序号", 6, "int"), Col("单位", 24, "wrap"), Col("年度投资任务（万元）", 14, "money"),
            Col("序时进度应完成（万元）", 15, "money"), Col("累计完成投资（万元）", 14, "money"),
            Col("完成年度任务", 12, "pct"), Col("序时进度", 10, "pct"), Col("是否达到序时进度", 12)]
    elapsed = period.through / 12
    rows = [[i, ctx.unit_name(s.unit), s.task, s.due, s.completed,
             s.completed / s.task if s.task else None, elapsed, "落后" if s.behind else "达到"]
            for i, s in enumerate(standings, 1)]
    behind = sum(1 for s in standings if s.behind)
    task, due, done = (_sum(getattr(s, k) for s in standings) for k in ("task", "due", "completed"))
    totals = ["合计", f"{len(standings)} 个单位", task, due, done, done / task if task else None,
              elapsed, f"落后 {behind} 个"]
    share = f"{behind / len(standings):.0%}" if standings else "—"
    return [Sheet("双过半", f"{period.year}年各单位“双过半”完成情况表", ctx.subtitle(period=True),
                  cols, rows, totals=totals,
                  notes=[f"说明：序时进度 = 已过月数 ÷ 12；累计完成低于“年度任务 × 序时进度”的单位为落后。"
                         f"有投资任务的单位 {len(standings)} 个，落后 {behind} 个，占 {share}。"])]


def fast_slow(ctx: ExportContext) -> list[Sheet]:
    """The list as it was published (the FastSlowListPublished event), not recomputed."""
    month = ctx.params.get("month")
    listed = jobs.published_list(ctx.conn, ctx.view.services.tz, month)
    return [fast_slow_sheet(listed, ctx.subtitle())]


def project_list(ctx: ExportContext) -> list[Sheet]:
    """The project list in the import's columns: imported back, it changes nothing."""
    from .project_import import HEADERS

    year = ctx.year
    conn = ctx.conn
    rows = conn.execute(projects.ledger(ctx.scope)).all()
    plans = projects.annual_plan_amounts(conn, year, [r.code for r in rows])
    widths = (12, 26, 10, 10, 18, 18, 10, 13, 7, 14, 12)
    kinds = ("text", "wrap", "text", "text", "wrap", "wrap", "text", "money", "int", "money",
             "date")
    cols = [Col(h, w, k) for h, w, k in zip(HEADERS, widths, kinds)]
    out = ([r.code, r.name, PROJECT_CATEGORIES.get(r.category), PROJECT_STAGES.get(r.stage),
            ctx.unit_name(r.owner_unit), ctx.unit_name(r.responsible_unit), r.leader,
            r.total_investment, year if r.code in plans else None, plans.get(r.code),
            r.planned_start] for r in rows)
    return [Sheet("项目清单", f"重大项目清单（{year}年）", ctx.subtitle(), cols, out)]
