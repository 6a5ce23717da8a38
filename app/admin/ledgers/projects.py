"""The project ledger (重大项目台账) and the project reserve (项目储备库)."""
from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import Select, func, select

from ...domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ...views.projects import RESERVE
from ...views.projects import rows_with_figures as project_rows
from ...views.scope import Scope
from ..ledger import Equals, Flag, LedgerView, ReadContext, formatter, read_context
from ..links import project_buttons, project_timeline
from ..queries import leader_choices, unit_choices
from ..vocab import PROJECT_CATEGORIES, PROJECT_STAGES, link, money, percent

LABELS = {
    "actions": "操作", "code": "项目编码", "name": "项目名称", "category": "项目类别",
    "stage": "项目阶段", "owner_unit_name": "业主单位", "responsible_unit_name": "责任单位",
    "leader": "联系县级领导", "total_investment": "总投资（万元）", "plan": "年度计划（万元）",
    "ytd": "年度完成（万元）", "plan_ratio": "占计划", "last_period": "最近填报月份",
    "missing_progress": "当月未填报", "registered_on": "登记日期", "planned_start": "计划开工",
    "stats_entry_on": "入库日期", "outliers": "确认异常月数",
}


class ProjectLedgerView(LedgerView):
    """Every project with this year's plan and completion, scoped to the reader's unit."""

    pk = "code"
    default_order = ("code", False)
    uses_year = True
    export_name = "progress"
    export_narrows = True
    column_list = ["actions", "code", "name", "category", "stage", "responsible_unit_name",
                   "leader", "total_investment", "plan", "ytd", "plan_ratio", "last_period",
                   "missing_progress", "outliers"]
    column_labels = LABELS
    column_searchable_list = ["code", "name", "leader", "responsible_unit_name"]
    column_choices = {"category": list(PROJECT_CATEGORIES.items()),
                      "stage": list(PROJECT_STAGES.items()),
                      "missing_progress": [(1, "是"), (0, "否")]}
    column_filters = [
        Equals("category", "项目类别", list(PROJECT_CATEGORIES.items())),
        Equals("stage", "项目阶段", [(k, v) for k, v in PROJECT_STAGES.items() if k != RESERVE]),
        Equals("responsible_unit", "责任单位", unit_choices, key="unit"),
        Equals("owner_unit", "业主单位", unit_choices, key="owner"),
        Equals("leader", "联系县级领导", leader_choices),
        Flag("missing_progress", "当月未填报", key="missing"),
    ]
    column_formatters = {
        "actions": formatter(lambda r: project_buttons(r.code)),
        # the timeline counts the year and month this ledger counts
        "code": formatter(lambda r: link(project_timeline(r.code, year=read_context().year,
                                                          through=read_context().through), r.code)),
        "total_investment": formatter(lambda r: money(r.total_investment)),
        "plan": formatter(lambda r: money(r.plan)),
        "ytd": formatter(lambda r: money(r.ytd)),
        "plan_ratio": formatter(lambda r: percent(r.plan_ratio)),
        "missing_progress": formatter(lambda r: Markup('<span class="badge badge-warning">未填报</span>')
                                      if r.missing_progress else ""),
        # months confirmed larger than the investment left: worth a second look
        "outliers": formatter(lambda r: Markup('<span class="badge badge-danger" title="本月完成投资'
                                               '超过项目剩余投资，填报人已确认">{}</span>')
                              .format(r.outliers) if r.outliers else ""),
    }

    def source(self, ctx: ReadContext) -> Select:
        # the major projects (the reserve has its own page, 项目储备库)
        rows = project_rows(ctx.year, ctx.through).subquery("projects")
        return select(rows).where(rows.c.stage != RESERVE)

    def scope_condition(self, src):
        return Scope(self.actor()).projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        row = conn.execute(select(func.count(), func.sum(src.c.total_investment),
                                  func.sum(src.c.plan), func.sum(src.c.ytd),
                                  func.sum(src.c.missing_progress))
                           .where(*where)).one()
        ratio = (row[3] or 0) / row[2] if row[2] else None
        return Markup("共 <b>{}</b> 个项目，总投资 <b>{}</b> 万元；{} 年计划投资 <b>{}</b> 万元，"
                      "已完成 <b>{}</b> 万元，占计划 <b>{}</b>；{} 进度未填报 <b>{}</b> 个。").format(
            row[0], money(row[1] or 0), ctx.year, money(row[2] or 0), money(row[3] or 0),
            percent(ratio) or "—", ctx.through, row[4] or 0)


class ReserveView(LedgerView):
    """Projects in stage 储备: count and planned total investment."""

    roles = (ADMIN, DISPATCHER, LEADER, INSPECTOR)
    pk = "code"
    default_order = ("code", False)
    export_name = "reserve"
    export_narrows = True
    column_list = ["actions", "code", "name", "category", "owner_unit_name",
                   "responsible_unit_name", "leader", "total_investment", "planned_start",
                   "registered_on"]
    column_labels = LABELS
    column_searchable_list = ["code", "name", "owner_unit_name", "responsible_unit_name"]
    column_choices = {"category": list(PROJECT_CATEGORIES.items())}
    column_filters = [
        Equals("category", "项目类别", list(PROJECT_CATEGORIES.items())),
        Equals("responsible_unit", "责任单位", unit_choices, key="unit"),
        Equals("owner_unit", "业主单位", unit_choices, key="owner"),
    ]
    column_formatters = {
        "actions": formatter(lambda r: project_buttons(r.code)),
        "code": formatter(lambda r: link(project_timeline(r.code), r.code)),
        "total_investment": formatter(lambda r: money(r.total_investment)),
    }

    def source(self, ctx: ReadContext) -> Select:
        rows = project_rows(ctx.year, ctx.through).subquery("projects")
        return select(rows).where(rows.c.stage == RESERVE)

    def scope_condition(self, src):
        return Scope(self.actor()).projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        count, total = conn.execute(select(func.count(), func.sum(src.c.total_investment))
                                    .where(*where)).one()
        return Markup("储备项目 <b>{}</b> 个，计划总投资 <b>{}</b> 万元。").format(
            count, money(total or 0))
