"""Importing the monthly progress sheet (月度进度填报), columns as API.md fixes them.

Each row submits a month's progress (submit_progress). A month already submitted with the same
figures changes nothing; different figures are a correction, which the handler accepts only with
a reason: the optional column 更正原因 carries it. Each line of 存在问题 is a problem reported by the
project unit (raise_problem, source unit_report, category from the optional 问题类别 column or
其他) unless the project already has a problem with that exact description. Rows with no figures,
no image progress and no problem are blank lines of a pre-filled sheet and are skipped.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from ..domain.actors import ADMIN, DISPATCHER, UNIT_REPORTER
from ..domain.statuses import ProblemStatus
from ..domain.vocab import PROBLEM_CATEGORIES
from ..projections.problems import problems
from ..projections.projects import monthly_progress, projects
from . import cells
from .importing import Draft, ImportKind, Planned, Run, cell_error, cell_reader, not_data, unique_rows
from .lookups import in_chunks
from .reading import SheetRow, normalise

HEADERS = ("项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题")
OPTIONAL = ("更正原因", "问题类别", "确认异常")
CODE, PERIOD, INVEST, IMAGE, PROBLEMS = (normalise(h) for h in HEADERS)
REASON, CATEGORY, CONFIRM = (normalise(h) for h in OPTIONAL)
# 确认异常: the month is larger than what the project has left to invest, and that is true
YES = {"是", "确认", "确认属实", "属实", "Y", "y", "yes", "true", "TRUE", "1", "√"}
NO = {"否", "不", "N", "n", "no", "false", "FALSE", "0"}
NOTHING = {"无", "暂无", "没有", "—", "-", "/", "／", "无问题"}  # what people write for "no problem"

FIELD_COLUMNS = {"code": CODE, "project": CODE, "period": PERIOD, "month_investment": INVEST,
                 "image_progress": IMAGE, "reason": REASON, "description": PROBLEMS,
                 "category": CATEGORY, "confirm_outlier": CONFIRM}


def problem_lines(text: str | None) -> list[str]:
    """One problem per line; a leading 1. / 1、 / （1） numbering is not part of it."""
    out = []
    for line in (text or "").splitlines():
        line = re.sub(r"^\s*(\d+[.、．)）]|[（(]\d+[)）])\s*", "", line).strip()
        if line and line not in NOTHING and line not in out:
            out.append(line)
    return out


def parse(run: Run, row: SheetRow) -> Draft | None:
    draft = Draft(row.number)
    v = draft.values
    take = cell_reader(run, row, draft)

    take(CODE, cells.text)
    if not_data(v.get(CODE)):
        return None
    if not any(c in row.cells for c in (INVEST, IMAGE, PROBLEMS, REASON)):
        run.blank += 1
        return None
    take(PERIOD, cells.month)
    take(INVEST, cells.number)
    take(IMAGE, cells.text)
    take(PROBLEMS, cells.text)
    take(REASON, cells.text)
    take(CATEGORY, cells.choice, PROBLEM_CATEGORIES, "问题类别")
    take(CONFIRM, cells.text)
    confirm = v.get(CONFIRM)
    if confirm is not None and confirm not in YES | NO:
        cell_error(run, draft, CONFIRM, f"“确认异常”应填“是”或留空，不能是“{confirm}”。")
    if any(c in row.cells for c in (INVEST, IMAGE, REASON)):
        # figures for the month; a row with only a problem reports the problem only
        payload = {"code": v.get(CODE), "period": v.get(PERIOD), "month_investment": v.get(INVEST),
                   "image_progress": v.get(IMAGE), "reason": v.get(REASON),
                   "confirm_outlier": True if confirm in YES else None}
        # a cell already reported as bad should not be reported again as missing
        for field, column, stand_in in (("code", CODE, "X"), ("period", PERIOD, "2000-01"),
                                        ("month_investment", INVEST, 0.0),
                                        ("image_progress", IMAGE, "X")):
            if payload[field] is None and column in row.cells:
                payload[field] = stand_in
        draft.commands.append(("submit_progress",
                               {k: x for k, x in payload.items() if x is not None}))
    for line in problem_lines(v.get(PROBLEMS)):
        draft.commands.append(("raise_problem", {
            "category": v.get(CATEGORY, "other"), "description": line, "source": "unit_report",
            "project": v.get(CODE) or "X"}))
    if not draft.commands and not draft.bad:
        run.blank += 1  # e.g. 存在问题 holds only "无"
        return None
    return draft


def plan(run: Run, drafts: list[Draft]) -> list[Planned]:
    unique_rows(run, drafts, lambda d: (d.values[CODE], d.values[PERIOD])
                if CODE in d.values and PERIOD in d.values and _submits(d) else None,
                PERIOD, "同一项目同一月份")
    codes = [d.values[CODE] for d in drafts if CODE in d.values]
    known = {r.code: r for r in in_chunks(
        run, select(projects.c.code, projects.c.owner_unit, projects.c.responsible_unit),
        projects.c.code, codes)}
    held = {(r.project, r.period): r for r in in_chunks(
        run, select(monthly_progress), monthly_progress.c.project, codes)}
    raised: set[tuple[str, str]] = {(r.project, r.description) for r in in_chunks(
        run, select(problems.c.project, problems.c.description)
        .where(problems.c.status != ProblemStatus.WITHDRAWN), problems.c.project, codes)}
    this_month = run.today.strftime("%Y-%m")
    actor = run.actor
    out: list[Planned] = []
    for d in drafts:
        code, period = d.values.get(CODE), d.values.get(PERIOD)
        project = known.get(code) if code else None
        if code and project is None:
            cell_error(run, d, CODE, f"项目“{code}”不存在：请先导入项目清单或登记该项目。")
        elif project is not None and actor.role == UNIT_REPORTER \
                and actor.unit not in (project.owner_unit, project.responsible_unit):
            cell_error(run, d, CODE, f"项目“{code}”不是本单位（业主或责任单位）的项目，无权填报。")
        if period and period > this_month and _submits(d):
            cell_error(run, d, PERIOD, f"填报月份 {period} 晚于本月（{this_month}），不能填报未来月份。")
        if d.bad:
            continue
        mine: list[Planned] = []
        for name, cmd in d.commands:
            if name == "submit_progress":
                mine += _progress(run, d, cmd, held.get((code, period)))
            elif (code, cmd["description"]) not in raised:
                raised.add((code, cmd["description"]))
                mine.append(Planned(d.row, name, cmd, PROBLEMS))
        if not mine and not d.bad:
            run.unchanged += 1
        out += mine
    return out


def _submits(d: Draft) -> bool:
    return any(name == "submit_progress" for name, _ in d.commands)


def _progress(run: Run, d: Draft, cmd: dict, before) -> list[Planned]:
    if before is None:
        return [Planned(d.row, "submit_progress", cmd)]
    if (round(before.month_investment, 4) == round(cmd["month_investment"], 4)
            and before.image_progress.strip() == cmd["image_progress"].strip()):
        return []  # already in the ledger: importing the same file again changes nothing
    if not (cmd.get("reason") or "").strip():
        column = REASON if REASON in run.sheet.columns else INVEST
        cell_error(run, d, column,
                   f"{cmd['period']} 已填报过（本月完成投资 {before.month_investment:.2f} 万元），"
                   f"本行与之不同即为更正，须在“更正原因”列说明原因。")
        return []
    return [Planned(d.row, "submit_progress", cmd)]


KIND = ImportKind(
    name="progress", title="月度进度", required=HEADERS, optional=OPTIONAL,
    roles=(ADMIN, DISPATCHER, UNIT_REPORTER), field_columns=FIELD_COLUMNS, key_column=CODE,
    parse=parse, plan=plan)
