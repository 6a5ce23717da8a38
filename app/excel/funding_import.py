"""Importing the funding ledger (项目资金台账): one row, one record_funding.

Columns: 项目编码, 资金来源, 环节, 金额（万元）, and optionally 文号 and 日期 (the business date,
default today). Sources and stages by their Chinese names (or the API values). A row the ledger
already holds — same project, source, stage, amount, document and date — changes nothing, so the
funding export imported back changes nothing, and so does the same file imported twice.
"""
from __future__ import annotations

from sqlalchemy import select

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.vocab import FUNDING_SOURCES, FUNDING_STAGES
from ..projections.funding import funding_entries
from ..projections.projects import projects
from . import cells
from .importing import Draft, ImportKind, Planned, Run, cell_error, cell_reader, not_data
from .lookups import in_chunks
from .reading import SheetRow, normalise

HEADERS = ("项目编码", "资金来源", "环节", "金额（万元）")
OPTIONAL = ("文号", "日期")
CODE, SOURCE, STAGE, AMOUNT = (normalise(h) for h in HEADERS)
DOCUMENT, DATE = (normalise(h) for h in OPTIONAL)
FIELD_COLUMNS = {"code": CODE, "source": SOURCE, "stage": STAGE, "amount": AMOUNT,
                 "document": DOCUMENT, "date": DATE}


def parse(run: Run, row: SheetRow) -> Draft | None:
    draft = Draft(row.number)
    v = draft.values
    take = cell_reader(run, row, draft)
    take(CODE, cells.text)
    if not_data(v.get(CODE)):
        return None
    take(SOURCE, cells.choice, FUNDING_SOURCES, "资金来源")
    take(STAGE, cells.choice, FUNDING_STAGES, "环节")
    take(AMOUNT, cells.number)
    take(DOCUMENT, cells.text)
    take(DATE, cells.day)
    payload = {"code": v.get(CODE), "source": v.get(SOURCE), "stage": v.get(STAGE),
               "amount": v.get(AMOUNT), "document": v.get(DOCUMENT),
               "date": v[DATE].isoformat() if v.get(DATE) else None}
    draft.commands.append(("record_funding", {k: x for k, x in payload.items() if x is not None}))
    return draft


def plan(run: Run, drafts: list[Draft]) -> list[Planned]:
    codes = [d.values[CODE] for d in drafts if CODE in d.values]
    known = {r.code for r in in_chunks(run, select(projects.c.code), projects.c.code, codes)}
    held: dict[tuple, int] = {}
    for r in in_chunks(run, select(funding_entries), funding_entries.c.project, codes):
        k = (r.project, r.source, r.stage, round(r.amount, 4), r.document or None, r.on_date)
        held[k] = held.get(k, 0) + 1
    today = run.today.isoformat()
    out: list[Planned] = []
    for d in drafts:
        code = d.values.get(CODE)
        if code and code not in known:
            cell_error(run, d, CODE, f"项目“{code}”不存在：请先导入项目清单或登记该项目。")
        if d.bad:
            continue
        for name, cmd in d.commands:
            # the payload is loaded by now: the date is a date, the amount a number
            amount, day = cmd.get("amount"), cmd.get("date")
            k = (code, cmd.get("source"), cmd.get("stage"),
                 round(amount, 4) if isinstance(amount, (int, float)) else amount,
                 (cmd.get("document") or "").strip() or None,
                 day.isoformat() if hasattr(day, "isoformat") else day or today)
            if held.get(k):  # already in the ledger, as often as this file has it so far
                held[k] -= 1
                run.unchanged += 1
                continue
            out.append(Planned(d.row, name, cmd))
    return out


KIND = ImportKind(
    name="funding", title="项目资金", required=HEADERS, optional=OPTIONAL,
    roles=(ADMIN, DISPATCHER), field_columns=FIELD_COLUMNS, key_column=CODE,
    parse=parse, plan=plan)
