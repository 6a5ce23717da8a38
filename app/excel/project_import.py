"""Importing the project list (重大项目清单), columns as API.md fixes them.

A row registers its project (register_project) and, when 年度 is given, sets that year's plan
(set_annual_plan). A project already in the ledger is compared field by field: identical data
changes nothing; a new stage or leader is recorded through change_stage / assign_leader (the
list is how the bureau keeps them up to date); other fields have no command to change them, so
a difference there is reported on its cell.
"""
from __future__ import annotations

from sqlalchemy import select

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.vocab import PROJECT_CATEGORIES, PROJECT_STAGES
from ..projections.projects import annual_plans, projects
from . import cells
from .cells import CellError
from .importing import Draft, ImportKind, Planned, Run, cell_error, cell_reader, not_data, unique_rows
from .lookups import in_chunks, resolve_unit, unit_names
from .reading import SheetRow, normalise

HEADERS = ("项目编码", "项目名称", "项目类别", "项目阶段", "业主单位", "责任单位", "联系县级领导",
           "总投资（万元）", "年度", "年度计划投资（万元）", "计划开工日期")
(CODE, NAME, CATEGORY, STAGE, OWNER, RESPONSIBLE, LEADER, TOTAL, YEAR, PLAN,
 START) = (normalise(h) for h in HEADERS)

FIELD_COLUMNS = {"code": CODE, "name": NAME, "category": CATEGORY, "stage": STAGE,
                 "owner_unit": OWNER, "responsible_unit": RESPONSIBLE, "leader": LEADER,
                 "total_investment": TOTAL, "planned_start": START, "year": YEAR,
                 "planned_investment": PLAN}
# what cannot be changed by a later import, with its label
FIXED = (("name", NAME, "项目名称"), ("category", CATEGORY, "项目类别"),
         ("owner_unit", OWNER, "业主单位"), ("responsible_unit", RESPONSIBLE, "责任单位"),
         ("total_investment", TOTAL, "总投资"), ("planned_start", START, "计划开工日期"))


def parse(run: Run, row: SheetRow) -> Draft | None:
    draft = Draft(row.number)
    v = draft.values
    take = cell_reader(run, row, draft)

    take(CODE, cells.text)
    if not_data(v.get(CODE)):
        return None
    take(NAME, cells.text)
    take(CATEGORY, cells.choice, PROJECT_CATEGORIES, "项目类别")
    take(STAGE, cells.choice, PROJECT_STAGES, "项目阶段")
    take(LEADER, cells.text)
    take(TOTAL, cells.number)
    take(YEAR, cells.integer)
    take(PLAN, cells.number)
    take(START, cells.day)
    for column in (OWNER, RESPONSIBLE):
        take(column, cells.text)
        if column in v:
            try:
                v[column] = resolve_unit(run, v[column])
            except CellError as exc:
                cell_error(run, draft, column, str(exc))
                del v[column]
    if (YEAR in v) != (PLAN in v):
        missing, given = (PLAN, "年度") if YEAR in v else (YEAR, "年度计划投资")
        cell_error(run, draft, missing, f"填写了{given}，此项也必须填写（两项都填或都不填）。")
    payload = {field: v[column] for field, column in FIELD_COLUMNS.items()
               if column in v and field not in ("year", "planned_investment")}
    draft.commands.append(("register_project", _without_bad(payload, row, v)))
    if YEAR in v and PLAN in v and CODE in v:
        draft.commands.append(("set_annual_plan", {"code": v[CODE], "year": v[YEAR],
                                                   "planned_investment": v[PLAN]}))
    return draft


def _without_bad(payload: dict, row: SheetRow, values: dict) -> dict:
    # A cell that failed to convert is already reported; leaving its field out would add a
    # second "必填" message for it, so a placeholder the schema accepts stands in.
    for field, column in FIELD_COLUMNS.items():
        if column in row.cells and column not in values and field not in payload:
            payload[field] = _PLACEHOLDER.get(field)
    return {k: v for k, v in payload.items() if v is not None}


_PLACEHOLDER = {"code": "X", "name": "X", "category": "district", "stage": "reserve",
                "owner_unit": "X", "responsible_unit": "X", "total_investment": 0.0,
                "leader": None, "planned_start": None}


def plan(run: Run, drafts: list[Draft]) -> list[Planned]:
    unique_rows(run, drafts, lambda d: d.values.get(CODE), CODE, "项目编码")
    codes = [d.values[CODE] for d in drafts if CODE in d.values]
    existing = {r.code: r for r in in_chunks(run, select(projects), projects.c.code, codes)}
    plans = {(r.project, r.year): r.planned_investment
             for r in in_chunks(run, select(annual_plans), annual_plans.c.project, codes)}
    out: list[Planned] = []
    for d in drafts:
        if d.bad:
            continue
        commands = dict(d.commands)
        register = commands["register_project"]
        code = register["code"]
        row = existing.get(code)
        mine: list[Planned] = []
        if row is None:
            mine.append(Planned(d.row, "register_project", register))
        else:
            mine += _changes(run, d, row, register)
        annual = commands.get("set_annual_plan")
        if annual is not None:
            held = plans.get((code, annual["year"]))
            if held is None or round(held, 4) != round(annual["planned_investment"], 4):
                mine.append(Planned(d.row, "set_annual_plan", annual, PLAN))
        if not mine and not d.bad:
            run.unchanged += 1
        out += mine
    return out


def _changes(run: Run, d: Draft, row, register: dict) -> list[Planned]:
    names = unit_names(run)
    for field, column, label in FIXED:
        held, given = getattr(row, field), register.get(field)
        if field == "total_investment":
            same = round(held, 4) == round(given, 4)
        elif field == "planned_start":
            same = held == (given.isoformat() if given else None)
        else:
            same = held == given
        if not same:
            shown = names.get(held, held) if field.endswith("_unit") else held
            if field == "total_investment":
                shown = f"{held:.2f}"
            cell_error(run, d, column, f"项目“{row.code}”已登记，台账中{label}为“{shown or '（空）'}”；"
                                       f"导入不能修改已登记项目的{label}，请核对。")
    out: list[Planned] = []
    if d.bad:
        return out
    code = row.code
    if register["stage"] != row.stage:
        out.append(Planned(d.row, "change_stage", run.services.bus.load(
            "change_stage", {"code": code, "stage": register["stage"]}), STAGE))
    leader = register.get("leader")
    if leader and leader != row.leader:
        out.append(Planned(d.row, "assign_leader", run.services.bus.load(
            "assign_leader", {"code": code, "leader": leader}), LEADER))
    return out


KIND = ImportKind(
    name="projects", title="重大项目清单", required=HEADERS[:8], optional=HEADERS[8:],
    roles=(ADMIN, DISPATCHER), field_columns=FIELD_COLUMNS, key_column=CODE,
    parse=parse, plan=plan)
