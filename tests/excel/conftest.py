"""Helpers for the Excel tests: a small district and workbooks built in memory.

The clock of tests/conftest.py stands at 2026-11-25 (Asia/Shanghai): 2026-11 is this month.
"""
from __future__ import annotations

import io
from typing import Any, Sequence

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.domain.actors import ADMIN, SYSTEM, Actor
from app.events.tables import events
from app.excel import import_kinds
from app.excel.importing import ImportResult, import_file
from app.excel.reading import Limits

ADMIN_ACTOR = Actor("admin", ADMIN)

PROJECT_HEADER = ["项目编码", "项目名称", "项目类别", "项目阶段", "业主单位", "责任单位", "联系县级领导",
                  "总投资（万元）", "年度", "年度计划投资（万元）", "计划开工日期"]
PROGRESS_HEADER = ["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"]


def project_row(code: str = "XM001", *, name: Any = None, category: Any = "区级重大",
                stage: Any = "续建", owner: Any = "区住建局", unit: Any = "U01",
                leader: Any = "张志强", total: Any = 12000, year: Any = 2026, plan: Any = 3000,
                start: Any = "2026-03-01") -> list:
    """A project list row in PROJECT_HEADER's order."""
    return [code, name or f"{code} 城区污水管网改造", category, stage, owner, unit, leader, total,
            year, plan, start]


def progress_row(code: str = "XM001", period: str = "2026-10", amount: Any = 250.5,
                 image: Any = "主体完成 60%", problems: Any = None) -> list:
    return [code, period, amount, image, problems]


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None,
         title_rows: Sequence[str] = ("重大项目清单", "填报单位：区发改局"),
         merge: Sequence[str] = ()) -> bytes:
    """A workbook whose first sheet has title rows, a header and the rows."""
    wb = Workbook()
    ws = wb.active
    for t in title_rows:
        ws.append([t])
    if header is not None:
        ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    for m in merge:
        ws.merge_cells(m)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(svc, kind: str, data: bytes, actor: Actor = ADMIN_ACTOR, **kw) -> ImportResult:
    return import_file(svc, import_kinds()[kind], data, actor, **kw)


def event_count(svc) -> int:
    with svc.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar()


def errors(result: ImportResult) -> list[tuple[str | None, str]]:
    return [(e["cell"], e["message"]) for e in result.report["errors"]]


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.fixture
def district(services):
    """Two units and nothing else."""
    for code, name, kind in (("U01", "区住建局", "department"), ("U02", "城关镇", "township")):
        services.bus.execute("register_unit", {"code": code, "name": name, "kind": kind}, SYSTEM)
    return services


@pytest.fixture
def with_projects(district):
    """The district with XM001 (U01) and XM002 (U02) registered, with 2026 plans."""
    data = xlsx([project_row("XM001"),
                 project_row("XM002", owner="城关镇", unit="城关镇", year=None, plan=None)],
                PROJECT_HEADER)
    result = run(district, "projects", data)
    assert result.ok, result.report
    return district


SMALL = Limits(max_bytes=200_000, max_rows=50)
