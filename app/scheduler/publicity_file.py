"""The published fast/slow list as a plain xlsx under instance/publicity/ (formatted exports live
in app/excel; this one is the file of record that goes with the published fact)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, select

from ..excel.formula_safe import safe_row
from ..projections.jobs import publicity

HEADER = ["榜单", "排名", "项目编码", "项目名称", "责任单位", "年度计划投资（万元）",
          "累计完成投资（万元）", "完成比例", "序时进度"]


def publicity_path(instance_path: str, period: str) -> Path:
    return Path(instance_path) / "publicity" / f"{period}.xlsx"


def write_publicity_xlsx(path: Path, period: str, fast: list[dict], slow: list[dict],
                         basis: dict, published_on: str | None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "进展情况公示"
    ws.append([f"{period} 重大项目进展情况公示（发布日期 {published_on or ''}）"])
    ws.append([f"序时进度 {basis.get('expected', 0):.2%}；快于序时进度 {basis.get('fast_points')} 个百分点"
               f"及以上为进展较快，慢于 {basis.get('slow_points')} 个百分点以上为进展较慢。"])
    ws.append(HEADER)
    for label, entries in (("进展较快", fast), ("进展较慢", slow)):
        for e in entries:
            ws.append(safe_row(ws, [label, e["rank"], e["project"], e["name"],
                                    e.get("unit_name") or e["unit"], e["plan"], e["ytd"],
                                    e["ratio"], e["expected"]]))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a reader never sees half a file.
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def ensure_publicity_file(engine: Engine, instance_path: str, period: str) -> Path | None:
    """Write the period's file if its list is published and the file is not there yet."""
    path = publicity_path(instance_path, period)
    if path.exists():
        return path
    with engine.connect() as conn:
        row = conn.execute(select(publicity).where(publicity.c.period == period)).mappings().first()
    if row is None:
        return None
    write_publicity_xlsx(path, period, json.loads(row["fast"]), json.loads(row["slow"]),
                         json.loads(row["basis"]), row["published_on"])
    return path
