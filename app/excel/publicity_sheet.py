"""The published fast/slow list (红黑榜) as its notice is printed."""
from __future__ import annotations

from typing import Iterator

from .ledger import Col, Sheet


def fast_slow_sheet(listed: dict, subtitle: str) -> Sheet:
    """A published list (period, published_on, fast, slow, basis) as the notice is printed: the
    export and the file of record under instance/publicity/ alike."""
    basis = listed["basis"]
    cols = [Col("榜单", 12), Col("排名", 6, "int"), Col("项目编码", 12), Col("项目名称", 26, "wrap"),
            Col("责任单位", 18, "wrap"), Col("年度计划投资（万元）", 14, "money"),
            Col("累计完成投资（万元）", 14, "money"), Col("完成年度计划", 12, "pct"),
            Col("序时进度", 10, "pct")]

    def rows() -> Iterator[list]:
        for label, entries in (("进展较快（红榜）", listed["fast"]), ("进展较慢（黑榜）", listed["slow"])):
            for e in entries:
                yield [label, e["rank"], e["project"], e["name"], e.get("unit_name") or e["unit"],
                       e["plan"], e["ytd"], e["ratio"], e["expected"]]

    period = listed["period"]
    rule = (f"说明：序时进度 {basis.get('expected', 0):.1%}；完成年度计划快于序时进度 "
            f"{basis.get('fast_points')} 个百分点及以上为进展较快，慢于 {basis.get('slow_points')} "
            f"个百分点以上为进展较慢。本表为 {listed['published_on']} 发布的公示内容。")
    return Sheet("快慢榜", f"{period[:4]}年{int(period[5:])}月重大项目进展情况公示",
                 subtitle, cols, rows(), notes=[rule])
