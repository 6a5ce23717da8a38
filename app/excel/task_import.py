"""Importing a task list (督办事项清单): a meeting's decisions, a leader's instructions, a list
handed down, one task a row, each registered and assigned through ``register_task``.

A row whose task is already in the ledger — same name, lead unit, source and deadline — changes
nothing, so importing the same sheet again records nothing new.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.vocab import FEEDBACK_CYCLES, TASK_SOURCES
from ..projections.tasks import tasks
from . import cells
from .cells import CellError
from .importing import Draft, ImportKind, Planned, Run, cell_error, cell_reader, not_data, unique_rows
from .lookups import in_chunks, resolve_unit
from .reading import SheetRow, normalise

HEADERS = ("事项名称", "事项来源", "牵头单位", "办理时限", "来源文号", "配合单位", "具体内容",
           "督办领导", "反馈周期", "重点督办", "交办日期")
(TITLE, SOURCE, LEAD, DEADLINE, REF, CO, DESCRIPTION, LEADER, CYCLE, KEY,
 DATE) = (normalise(h) for h in HEADERS)
FIELD_COLUMNS = {"title": TITLE, "source": SOURCE, "lead_unit": LEAD, "deadline": DEADLINE,
                 "source_ref": REF, "co_units": CO, "description": DESCRIPTION, "leader": LEADER,
                 "feedback_cycle": CYCLE, "key": KEY, "date": DATE}
YES_NO = {"true": "是", "false": "否"}
_SPLIT = re.compile(r"[,，、;；\s]+")


def parse(run: Run, row: SheetRow) -> Draft | None:
    draft = Draft(row.number)
    v = draft.values
    take = cell_reader(run, row, draft)
    take(TITLE, cells.text)
    if not_data(v.get(TITLE)):
        return None
    take(SOURCE, cells.choice, TASK_SOURCES, "事项来源")
    take(DEADLINE, cells.day)
    take(DATE, cells.day)
    take(REF, cells.text)
    take(DESCRIPTION, cells.text)
    take(LEADER, cells.text)
    take(CYCLE, cells.choice, FEEDBACK_CYCLES, "反馈周期")
    take(KEY, cells.choice, YES_NO, "重点督办")
    take(LEAD, cells.text)
    if LEAD in v:
        try:
            v[LEAD] = resolve_unit(run, v[LEAD])
        except CellError as exc:
            cell_error(run, draft, LEAD, str(exc))
            del v[LEAD]
    take(CO, cells.text)
    if CO in v:
        try:
            v[CO] = [resolve_unit(run, u) for u in _SPLIT.split(v[CO]) if u]
        except CellError as exc:
            cell_error(run, draft, CO, str(exc))
            del v[CO]
    payload = {field: v[column] for field, column in FIELD_COLUMNS.items() if column in v}
    for field in ("deadline", "date"):
        if field in payload:
            payload[field] = payload[field].isoformat()
    for field, column in FIELD_COLUMNS.items():
        # a cell that failed is reported already: a placeholder keeps a second message away
        if column in row.cells and column not in v and field in _PLACEHOLDER:
            payload[field] = _PLACEHOLDER[field]
    draft.commands.append(("register_task", payload))
    return draft


_PLACEHOLDER = {"title": "X", "source": "meeting", "lead_unit": "X", "deadline": "2100-01-01"}


def _key(values: dict) -> tuple | None:
    if not all(c in values for c in (TITLE, LEAD, SOURCE, DEADLINE)):
        return None
    return (values[TITLE], values[LEAD], values[SOURCE], values[DEADLINE].isoformat())


def plan(run: Run, drafts: list[Draft]) -> list[Planned]:
    unique_rows(run, drafts, lambda d: _key(d.values), TITLE, "同一事项（名称、牵头单位、来源、时限）")
    titles = list({d.values[TITLE] for d in drafts if TITLE in d.values})
    existing = {tuple(r) for r in in_chunks(
        run, select(tasks.c.title, tasks.c.lead_unit, tasks.c.source, tasks.c.deadline),
        tasks.c.title, titles)}
    out: list[Planned] = []
    for d in drafts:
        if d.bad:
            continue
        if _key(d.values) in existing:
            run.unchanged += 1
            continue
        out.append(Planned(d.row, "register_task", dict(d.commands)["register_task"]))
    return out


KIND = ImportKind(
    name="tasks", title="督办事项清单", required=HEADERS[:4], optional=HEADERS[4:],
    roles=(ADMIN, DISPATCHER), field_columns=FIELD_COLUMNS, key_column=TITLE,
    parse=parse, plan=plan)
