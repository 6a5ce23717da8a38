"""The import pipeline shared by the project list and the monthly progress sheet.

1. read the first sheet and find its header (reading.py): a bad file stops here;
2. turn each row's cells into command payloads (the kind's ``parse``) and validate them with the
   commands' own schemas (``CommandBus.load``), reporting every bad cell;
3. inside one unit of work on the bus: look things up (unknown project or unit, a month in the
   future), skip what the ledger already holds (so a second import of the same file changes
   nothing), and run the remaining commands through their handlers, each row's refusal put on
   its cells while the rows after it are still checked;
4. commit only if no cell was bad anywhere; otherwise roll back and return the report.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Sequence

from openpyxl.utils import column_index_from_string, range_boundaries

from ..bootstrap import Services
from ..commands.base import UnitOfWork
from ..domain.actors import Actor
from ..domain.errors import CommandError, Forbidden
from .cells import CellError
from .ledger import SIGNATURE_MARK
from .marking import mark_copy
from .reading import ExcelFileError, Limits, SheetData, SheetRow, read_sheet


@dataclass
class Issue:
    row: int | None
    column: str | None  # the header as written in the file
    cell: str | None  # A1-style reference
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "cell": self.cell, "message": self.message}


@dataclass
class Draft:
    """One data row: its parsed values and the commands it asks for."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    commands: list[tuple[str, dict]] = field(default_factory=list)  # (name, payload), then loaded
    bad: bool = False


@dataclass
class Planned:
    row: int
    name: str
    cmd: dict
    column: str | None = None  # where a refusal that names no field is shown


@dataclass
class ImportKind:
    name: str  # projects | progress
    title: str  # 重大项目清单 | 月度进度
    required: tuple[str, ...]
    optional: tuple[str, ...]
    roles: tuple[str, ...]
    # command field -> column name, to put a handler's or schema's message on its cell
    field_columns: dict[str, str]
    key_column: str  # where a message about the whole row goes
    parse: Callable[["Run", SheetRow], Draft | None]
    plan: Callable[["Run", list[Draft]], list[Planned]]


class Run:
    """One import: the report being built, and what the kind's functions may look at."""

    def __init__(self, services: Services, kind: ImportKind, actor: Actor, sheet: SheetData) -> None:
        self.services = services
        self.kind = kind
        self.actor = actor
        self.sheet = sheet
        self.today: date = services.today()
        self.uow: UnitOfWork | None = None  # the import's, during planning and applying
        self.issues: list[Issue] = []
        self.unchanged = 0  # rows the ledger already holds
        self.blank = 0  # rows without any value to import
        self.rows = 0  # rows with something to import (or a bad cell)
        self.cache: dict[str, Any] = {}  # reference data the kind looked up once

    def add(self, row: int | None, column: str | None, message: str) -> None:
        header = self.sheet.headers.get(column or "", column) if column else None
        cell = self.sheet.coordinate(row, column) if row is not None else None
        self.issues.append(Issue(row, header, cell, message))

    def refusal(self, row: int, exc: CommandError, column: str | None = None) -> None:
        """A schema's or handler's refusal, spread over the cells of the fields it names."""
        if not exc.fields:
            self.add(row, column if column in self.sheet.columns else self.kind.key_column,
                     exc.message)
            return
        for name, messages in exc.fields.items():
            column = self.kind.field_columns.get(name.split(".")[0])
            if column not in self.sheet.columns:
                column = self.kind.key_column
            for message in messages:
                self.add(row, column, message)


@dataclass
class ImportResult:
    report: dict
    data: bytes
    sheet: SheetData | None
    issues: list[Issue]
    markable: bool = True  # False: refused for its size, never opened to be marked

    @property
    def ok(self) -> bool:
        return self.report["ok"]

    def marked_copy(self) -> bytes | None:
        """The upload with each bad cell filled red and commented; None if it is not a workbook
        or was refused whole for its size."""
        if self.ok or not self.markable:
            return None
        return mark_copy(self.data, self.sheet, self.issues)


class _Rollback(Exception):
    pass


def run_import(services: Services, kind: ImportKind, data: bytes, actor: Actor, *,
               limits: Limits = Limits(), dry_run: bool = False) -> ImportResult:
    """Check every row, then apply all of them in one transaction, or none."""
    if actor.role not in kind.roles and actor.role != "system":
        raise Forbidden(f"您的角色无权导入{kind.title}。")
    sheet = read_sheet(data, kind.required, kind.optional, limits)
    run = Run(services, kind, actor, sheet)
    for ref in sheet.merged:
        run.issues.append(Issue(range_boundaries(ref)[1], None, ref.split(":")[0],
                                f"合并单元格 {ref}：每一行须分别填写，请取消合并后在每一行填入各自的值。"))
    drafts = [d for d in (kind.parse(run, row) for row in sheet.rows) if d is not None]
    run.rows = len(drafts)
    if not drafts:
        raise ExcelFileError(f"表头（第 {sheet.header_row} 行）下面没有可导入的数据：示例行、合计行"
                             f"和只有编码、月份而未填写数值的行不导入。", f"A{sheet.header_row}")
    for draft in drafts:
        loaded = []
        for name, payload in draft.commands:
            try:
                loaded.append((name, services.bus.load(name, payload)))
            except CommandError as exc:
                run.refusal(draft.row, exc)
                draft.bad = True
        draft.commands = loaded
    counts: dict[str, int] = {}
    events = 0
    correlation = f"import-{uuid.uuid4().hex[:12]}"
    try:
        with services.bus.unit_of_work(actor, correlation_id=correlation,
                                       extra={"import": kind.name}) as uow:
            run.uow = uow
            planned = kind.plan(run, drafts)
            if not run.issues:
                for p in planned:
                    try:
                        uow.decide(p.name, p.cmd, extra={"row": p.row})
                        counts[p.name] = counts.get(p.name, 0) + 1
                    except CommandError as exc:  # appended nothing: the next rows are checked
                        run.refusal(p.row, exc, p.column)
                events = uow.events
            if run.issues or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        run.uow = None
    return ImportResult(_report(run, counts, events, dry_run, correlation), data, sheet, run.issues)


def _order(issue: Issue) -> tuple[int, int]:
    letters = "".join(ch for ch in issue.cell or "" if ch.isalpha())
    return (issue.row or 0, column_index_from_string(letters) if letters else 0)


def _report(run: Run, counts: dict[str, int], events: int, dry_run: bool,
            correlation: str) -> dict:
    run.issues.sort(key=_order)
    ok = not run.issues
    rows = run.rows
    if not ok:
        bad_rows = len({i.row for i in run.issues})
        message = (f"发现 {len(run.issues)} 处错误（涉及 {bad_rows} 行），"
                   f"整个文件未导入任何数据。请按标注修改后重新导入。")
    elif dry_run:
        message = f"检查通过：{rows} 行均可导入（本次仅检查，未写入）。"
    elif not events:
        message = f"共 {rows} 行，台账中已全部存在且一致，本次没有任何变更。"
    else:
        message = f"导入成功：共 {rows} 行，写入 {events} 条记录，{run.unchanged} 行与台账一致未重复写入。"
    if ok and run.blank:
        message += f"另有 {run.blank} 行未填写数值，已跳过。"
    return {
        "ok": ok, "kind": run.kind.name, "title": run.kind.title, "sheet": run.sheet.title,
        "header_row": run.sheet.header_row, "rows": rows, "dry_run": dry_run,
        "unchanged_rows": run.unchanged if ok else 0, "blank_rows": run.blank,
        "commands": counts if ok and not dry_run else {},
        "events": events if ok and not dry_run else 0,
        "correlation_id": correlation if ok and not dry_run and events else None,
        "message": message, "errors": [i.as_dict() for i in run.issues],
        "warnings": _warnings(run.sheet),
    }


def _warnings(sheet: SheetData) -> list[str]:
    """What was imported but may not have been meant."""
    if not sheet.hidden_rows:
        return []
    rows = "、".join(str(n) for n in sheet.hidden_rows[:20])
    more = f" 等 {len(sheet.hidden_rows)} 行" if len(sheet.hidden_rows) > 20 else ""
    return [f"第 {rows}{more} 行在 Excel 中是隐藏行，已与其他行一样检查和导入，请确认这些行确应导入。"]


EXAMPLE_MARK = "示例"  # the templates' example row starts its code with this
TOTAL_MARKS = {"合计", "小计", "总计"}  # the exported ledgers' totals rows


def not_data(code: str | None) -> bool:
    """The template's example row, a ledger's totals row and its signature line are read past,
    not imported."""
    return code is not None and (code.startswith((EXAMPLE_MARK, SIGNATURE_MARK))
                                 or code in TOTAL_MARKS)


def cell_error(run: Run, draft: Draft, column: str, message: str) -> None:
    run.add(draft.row, column, message)
    draft.bad = True


def cell_reader(run: Run, row: SheetRow, draft: Draft) -> Callable[..., None]:
    """take(column, convert, *args): convert a cell into draft.values, or report it as bad."""
    def take(column: str, convert: Callable[..., Any], *args: Any) -> None:
        try:
            value = convert(row.get(column), *args)
        except CellError as exc:
            cell_error(run, draft, column, str(exc))
            return
        if value is not None:
            draft.values[column] = value
    return take


def import_file(services: Services, kind: ImportKind, data: bytes, actor: Actor, *,
                limits: Limits = Limits(), dry_run: bool = False) -> ImportResult:
    """Like :func:`run_import`, but a file that cannot be read at all also gives a report."""
    try:
        return run_import(services, kind, data, actor, limits=limits, dry_run=dry_run)
    except ExcelFileError as exc:
        issue = Issue(None, None, exc.cell, exc.message)
        report = {"ok": False, "kind": kind.name, "title": kind.title, "sheet": None,
                  "header_row": None, "rows": 0, "dry_run": dry_run, "unchanged_rows": 0,
                  "blank_rows": 0, "commands": {}, "events": 0, "correlation_id": None,
                  "message": exc.message, "errors": [issue.as_dict()], "warnings": []}
        return ImportResult(report, data, None, [issue], markable=exc.markable)


def unique_rows(run: Run, drafts: Sequence[Draft], key: Callable[[Draft], Any], column: str,
                what: str) -> None:
    """Two rows for the same thing: both are marked, since which one is meant cannot be known."""
    first: dict[Any, Draft] = {}
    flagged: set[int] = set()
    for d in drafts:
        k = key(d)
        if k is None:
            continue
        if k not in first:
            first[k] = d
            continue
        cell_error(run, d, column, f"{what}与第 {first[k].row} 行重复，同一文件中只能出现一次。")
        if first[k].row not in flagged:
            flagged.add(first[k].row)
            cell_error(run, first[k], column, f"{what}与第 {d.row} 行重复，同一文件中只能出现一次。")
