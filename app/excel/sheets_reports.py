"""The funding ledger (项目资金台账) as a sheet."""
from __future__ import annotations

import math
from typing import Iterator

from ..domain.errors import InvalidCommand
from ..domain.vocab import FUNDING_STAGES
from ..views import funding
from .context import ExportContext
from .ledger import Col, Sheet


class RunningSum:
    """A sum of floats kept as exact partials (Shewchuk's, as ``math.fsum`` keeps them): the
    total of a stream equals ``math.fsum`` of a list of it, without the list."""

    def __init__(self) -> None:
        self.partials: list[float] = []

    def add(self, x: float) -> None:
        i = 0
        for y in self.partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                self.partials[i] = lo
                i += 1
            x = hi
        self.partials[i:] = [x]

    @property
    def total(self) -> float:
        return math.fsum(self.partials)


def funding_ledger(ctx: ExportContext) -> list[Sheet]:
    """Every funding entry in business order, with the totals per stage under it: the sums are
    gathered as the entries are written, which are read a batch at a time."""
    cols = [Col("序号", 6, "int"), Col("日期", 11, "date"), Col("项目编码", 12),
            Col("项目名称", 26, "wrap"), Col("资金来源", 14), Col("环节", 8),
            Col("金额（万元）", 14, "money"), Col("文号", 24, "wrap")]
    amounts = {s: RunningSum() for s in FUNDING_STAGES}
    projects: set[str] = set()

    def out() -> Iterator[list]:
        for i, r in enumerate(funding.each(ctx.conn, ctx.scope, narrow=ctx.narrow), 1):
            if r["stage"] in amounts:
                amounts[r["stage"]].add(r["amount"])
            projects.add(r["project"])
            yield [i, r["date"], r["project"], r["project_name"], r["source_name"],
                   r["stage_name"], r["amount"], r["document"]]

    def notes() -> list[str]:
        note = "；".join(f"{name} {amounts[s].total:,.2f} 万元"
                        for s, name in FUNDING_STAGES.items())
        return [f"说明：金额单位为万元。{note}。"]

    return [Sheet("资金台账", "项目资金台账（申报、下达、到位）", ctx.subtitle(), cols, out(),
                  totals=lambda: ["合计", None, None, f"{len(projects)} 个项目", None, None, None,
                                  None],
                  notes=notes)]


def report_period(ctx: ExportContext):
    """The report's period: ``through`` (Y-MM or Y-MM-DD) as asked, else the month of the sheet."""
    from ..reports.summary import Period

    through = ctx.params.get("through") or ctx.month
    try:
        return Period.parse(int(through[:4]), through)
    except ValueError:
        raise InvalidCommand("输入有误，请检查标出的字段。", {"through": [
            "截止时间应为 YYYY-MM 或存在的日期 YYYY-MM-DD（如 2019-06-25）。"]}) from None


def summary_report(ctx: ExportContext) -> list[Sheet]:
    """The half-year report as a form: each sentence of the report with its blanks filled."""
    from ..reports.text import plain, report_for

    period = report_period(ctx)
    title, sections = report_for(ctx.conn, period)
    cols = [Col("部分", 30, "wrap"), Col("内容", 90, "wrap")]
    rows = [[s.heading if i == 0 else "", plain(sentence)]
            for s in sections for i, sentence in enumerate(s.sentences)]
    return [Sheet("工作汇总", title, ctx.subtitle(extra=f"统计期间：{period.start} 至 {period.end}"),
                  cols, rows, notes=["说明：金额单位为亿元或万元，如文中所示；各数字均由台账计算，"
                                     "其所计对象可在“工作汇总报告”页面逐一打开。"])]
