"""The funding ledger (项目资金台账): funds applied for, approved and received per project."""
from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import Select, case, func, select

from ...domain.vocab import FUNDING_SOURCES, FUNDING_STAGES
from ...views import funding
from ...views.scope import Scope
from ..ledger import Equals, LedgerView, ReadContext, formatter
from ..links import project_timeline
from ..queries import unit_choices
from ..vocab import link, money


class FundingLedgerView(LedgerView):
    """Every funding entry, newest business date first, scoped to the reader's unit."""

    pk = "key"
    default_order = ("on_date", True)
    column_list = ["on_date", "project", "project_name", "unit_name", "source", "stage", "amount",
                   "document"]
    export_name = "funding"
    export_narrows = True
    column_labels = {"key": "键", "on_date": "日期", "project": "项目编码", "project_name": "项目名称",
                     "unit_name": "责任单位", "source": "资金来源", "stage": "环节",
                     "amount": "金额（万元）", "document": "文号"}
    column_searchable_list = ["project", "project_name", "document"]
    column_choices = {"source": list(FUNDING_SOURCES.items()), "stage": list(FUNDING_STAGES.items())}
    column_filters = [
        Equals("source", "资金来源", list(FUNDING_SOURCES.items())),
        Equals("stage", "环节", list(FUNDING_STAGES.items())),
        Equals("responsible_unit", "责任单位", unit_choices, key="unit"),
    ]
    column_formatters = {
        "project": formatter(lambda r: link(project_timeline(r.project), r.project)),
        "amount": formatter(lambda r: money(r.amount)),
    }

    def source(self, ctx: ReadContext) -> Select:
        return funding.entries()

    def scope_condition(self, src):
        return Scope(self.actor()).projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        sums = [func.sum(case((src.c.stage == s, src.c.amount), else_=0.0)) for s in FUNDING_STAGES]
        n, projects_n, *amounts = conn.execute(
            select(func.count(), func.count(src.c.project.distinct()), *sums).where(*where)).one()
        parts = "，".join(Markup("{} <b>{}</b> 万元").format(name, money(a or 0))
                         for name, a in zip(FUNDING_STAGES.values(), amounts))
        return Markup("共 <b>{}</b> 条资金记录，涉及 <b>{}</b> 个项目：").format(n, projects_n) + \
            Markup(parts) + "。"
