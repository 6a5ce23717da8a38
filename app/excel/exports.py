"""Ledger exports (台账导出): what each one is, who may take it, and how it is run as of an instant.

Every export reads the projection tables through ``reading(services, as_of, after)``: live, or a
snapshot folded from the events recorded up to the instant, so a sheet can be reproduced as it
stood on the day it was sent. The sheets (``sheets_*``) take their rows from ``app/views``, with
the reader's scope; the staff pages' 导出 runs these same exports.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Callable, Mapping

from ..audit.checkpoints import checkpoint_line, latest
from ..bootstrap import Services
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER, Actor
from ..domain.errors import Forbidden, InvalidCommand
from ..views.reading import QueryView, reading
from ..views.scope import FEED_ROLES
from .context import ExportContext
from .ledger import Sheet, write_ledger

ALL = (ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER)
REPORTS = (ADMIN, DISPATCHER, INSPECTOR, LEADER)
DEFAULT_ORG = "区发展和改革局（区重大项目办）"


Builder = Callable[[ExportContext], list[Sheet]]


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: str
    roles: tuple[str, ...]
    build: Builder
    summary: str
    uses_month: bool = False
    # False: reads the event log itself, so no snapshot of the projections is needed
    uses_projections: bool = True
    options: tuple[str, ...] = field(default=())

    def download_name(self, day: date, month: str | None = None) -> str:
        """What a clerk sees in the downloads folder: the title and the period it is for
        (the month asked, the month of the day, or the day for a ledger as it stood)."""
        if self.uses_month:
            year, number = (month or day.strftime("%Y-%m")).split("-")
            return f"{self.title}（{year}年{int(number)}月）.xlsx"
        return f"{self.title}（截至{day.year}年{day.month}月{day.day}日）.xlsx"


def export_specs() -> dict[str, ExportSpec]:
    from . import sheets_oversight as o
    from . import sheets_problems as p
    from . import sheets_projects as q
    from . import sheets_reports as r
    from . import sheets_tasks as t

    specs = [
        ExportSpec("ledger", "问题台账", ALL, p.problem_ledger, "问题台账（全部问题及其办理情况）"),
        ExportSpec("rectification", "整改台账", ALL, p.rectification,
                   "整改台账（督查发现问题逐条及按责任单位汇总）"),
        ExportSpec("progress", "重大项目推进情况表", ALL, q.progress_table,
                   "重大项目推进情况表（某月，可作为月度进度表重新导入）", uses_month=True),
        ExportSpec("dispatch", "调度统计表", ALL, p.dispatch_statistics,
                   "调度统计（按调度级别、按责任单位）"),
        ExportSpec("double-half", "双过半情况表", REPORTS, q.double_half,
                   "各单位“双过半”完成情况（截至某月）", uses_month=True),
        ExportSpec("fast-slow", "重大项目进展情况公示", ALL, q.fast_slow,
                   "某月已发布的快慢榜（红黑榜）", uses_month=True),
        ExportSpec("events", "事件日志摘录", FEED_ROLES, p.event_log,
                   "事件日志摘录（供纪检督查，含操作人与哈希）", uses_projections=False,
                   options=("stream",)),
        ExportSpec("projects", "重大项目清单", ALL, q.project_list,
                   "重大项目清单（导入格式，可重新导入）", uses_month=True),
        ExportSpec("tasks", "督办事项台账", ALL, t.task_ledger, "督办事项台账（亮灯、签收、反馈、催办、办结）"),
        ExportSpec("task-appraisal", "督办考评表", REPORTS, t.task_appraisal,
                   "督办考评（按牵头单位，当年 1 月至某月交办的事项）", uses_month=True),
        ExportSpec("funding", "项目资金台账", ALL, r.funding_ledger,
                   "项目资金台账（申报、下达、到位，按来源与文号）"),
        ExportSpec("meetings", "调度会议台账", ALL, o.meeting_ledger, "调度会议台账（各级调度会及其调度的问题）"),
        ExportSpec("inspections", "纪检督查记录台账", ALL, o.inspection_ledger,
                   "纪检督查记录（督查及其发现的问题）与督查通报"),
        ExportSpec("stats-entries", "项目入库台账", ALL, o.stats_entries,
                   "项目入库（纳入统计）台账，按入库日期"),
        ExportSpec("reserve", "重大项目储备库", ALL, o.reserve, "储备项目清单"),
        ExportSpec("summary", "工作汇总报告", REPORTS, r.summary_report,
                   "半年工作汇总报告（逐句填好数字，截至某月或某日）", uses_month=True,
                   options=("through",)),
    ]
    return {s.name: s for s in specs}


def run_export(services: Services, name: str, target: str | IO[bytes], actor: Actor, *,
               as_of: datetime | None = None, params: Mapping[str, Any] | None = None,
               org: str | None = None, narrow: Callable[[Any], Any] | None = None,
               after: int | None = None) -> int:
    """Write export ``name`` to ``target`` as of ``as_of`` (None: now); returns data rows written.
    ``narrow``: a condition on the key of the sheet's rows (ledgers whose rows are keyed);
    ``after``: the reader's last write, which a live sheet includes (see ``reading``)."""
    specs = export_specs()
    if name not in specs:
        raise InvalidCommand(f"没有名为“{name}”的导出，可选：{'、'.join(specs)}。")
    spec = specs[name]
    if actor.role not in spec.roles and actor.role != "system":
        raise Forbidden(f"您的角色无权导出{spec.title}。")
    params = dict(params or {})
    month = params.get("month")
    if month is not None and not _is_month(month):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"month": ["月份格式应为 YYYY-MM。"]})
    now = services.clock()
    if as_of is not None and as_of > now:
        raise InvalidCommand("输入有误，请检查标出的字段。", {"as_of": ["时点不能晚于现在。"]})
    instant = as_of or now
    if spec.uses_projections:
        with reading(services, as_of, after) as (conn, position):
            return _write(services, spec, conn, position, actor, as_of, instant, params, org,
                          target, narrow)
    position = services.store.position_at(as_of) if as_of is not None else None
    with services.engine.connect() as conn:
        return _write(services, spec, conn, position, actor, as_of, instant, params, org, target,
                      narrow)


def export_file(services: Services, name: str, actor: Actor, **options: Any) -> IO[bytes]:
    """``run_export`` into a temporary file, returned at its start for a response to send a
    block at a time: a big ledger goes to disk, never whole into memory. The file disappears
    when closed (the response closes it once sent)."""
    fh = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        run_export(services, name, fh, actor, **options)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return fh


def _write(services, spec, conn, position, actor, as_of, instant, params, org, target,
           narrow) -> int:
    view = QueryView(services, conn, actor, position, as_of)
    ctx = ExportContext(view, params, org or os.environ.get("EXCEL_ORG_NAME") or DEFAULT_ORG,
                        instant, narrow)
    if ctx.scope.unit:
        ctx.org = ctx.unit_name(ctx.scope.unit) or ctx.org
    sheets = list(spec.build(ctx))
    # every export carries the latest signed checkpoint as of its instant (see app/audit), on the
    # line under the title: a line under the table would be read back as a row where the
    # sheet is re-imported
    # (read from the events, not from conn: an as-of snapshot holds only the projections)
    with services.engine.connect() as events_conn:
        line = checkpoint_line(latest(events_conn, until_position=position))
    for sheet in sheets:
        sheet.subtitle = f"{sheet.subtitle}　{line}"
    # the rows are generators reading from conn: written while it is still open
    return write_ledger(sheets, target)


def _is_month(text: str) -> bool:
    return (isinstance(text, str) and len(text) == 7 and text[4] == "-" and text[:4].isdigit()
            and text[5:].isdigit() and 1 <= int(text[5:]) <= 12)
