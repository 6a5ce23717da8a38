"""Import templates (导入模板): the project list, the monthly progress and the task list, each with
dropdowns, an example row and column notes.

Dropdown lists live on a hidden second sheet (选项): inline lists are limited to 255 characters,
which the units alone exceed. Imports read only the first sheet, so the lists are never imported.
"""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from ..bootstrap import Services
from ..domain.actors import Actor
from ..domain.errors import InvalidCommand
from ..domain.vocab import (
    FEEDBACK_CYCLES,
    PROBLEM_CATEGORIES,
    PROJECT_CATEGORIES,
    PROJECT_STAGES,
    TASK_SOURCES,
)
from ..projections.projects import projects
from ..projections.units import units
from ..views.scope import Scope
from . import progress_import, project_import, task_import
from .formula_safe import cell as safe_cell
from .ledger import row_height, text_width, wrapped_lines

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DATA_ROWS = 1000  # rows below the header that carry the dropdowns
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
REQUIRED_FILL, OPTIONAL_FILL = "F8CBAD", "D9D9D9"
LISTS = "选项"


def _column_notes(year: int) -> dict[str, tuple[bool, str]]:
    """Column -> (required, note shown as the header's comment)."""
    return {
        "项目编码": (True, "必填。字母、数字、下划线、点或连字符，1–50 位，全区唯一。"),
        "项目名称": (True, "必填。项目全称。"),
        "项目类别": (True, "必填。从下拉列表选择：" + "、".join(PROJECT_CATEGORIES.values()) + "。"),
        "项目阶段": (True, "必填。从下拉列表选择：" + "、".join(PROJECT_STAGES.values())
                     + "。已登记项目的阶段可通过重新导入更新。"),
        "业主单位": (True, "必填。从下拉列表选择已登记的单位（也可填单位编码）。"),
        "责任单位": (True, "必填。从下拉列表选择已登记的单位（也可填单位编码）。"),
        "联系县级领导": (False, "选填。挂联县级领导姓名；已登记项目可通过重新导入更换。"),
        "总投资（万元）": (True, "必填。数字，单位万元，不要填公式或文字。"),
        "年度": (False, f"选填。下达计划投资的年度，如 {year}；与“年度计划投资”同时填写。"),
        "年度计划投资（万元）": (False, "选填。数字，单位万元；与“年度”同时填写。"),
        "计划开工日期": (False, "选填。日期，如 2026-03-15。"),
        "填报月份": (True, "必填。从下拉列表选择，格式 YYYY-MM，不能晚于本月。"),
        "本月完成投资（万元）": (True, "必填。本月完成的投资（不是累计），数字，单位万元。"),
        "形象进度": (True, "必填。本月末的形象进度（文字）。"),
        "存在问题": (False, "选填。每行一个问题，将作为项目单位上报的问题登记；没有问题留空或填“无”。"),
        "更正原因": (False, "选填。已填报过的月份再次导入不同数值即为更正，必须在此说明原因。"),
        "问题类别": (False, "选填。“存在问题”的类别，默认“其他”。从下拉列表选择。"),
        "项目名称（核对用）": (False, "仅供核对，导入时不读取。"),
        "事项名称": (True, "必填。督办事项的名称，如会议议定的一项工作；以“示例”开头的行不导入。"),
        "事项来源": (True, "必填。从下拉列表选择：" + "、".join(TASK_SOURCES.values()) + "。"),
        "牵头单位": (True, "必填。从下拉列表选择已登记的单位（也可填单位编码）。"),
        "办理时限": (True, f"必填。日期，如 {year}-12-31，不能早于交办日期。"),
        "来源文号": (False, "选填。会议纪要、批示件等的文号，如 区政府常务会纪要〔2026〕9号。"),
        "配合单位": (False, "选填。可填多个单位，用顿号“、”或逗号分隔；下拉列表可选一个单位。"),
        "具体内容": (False, "选填。事项的具体内容和办理要求。"),
        "督办领导": (False, "选填。牵头督办（联系）的县级领导姓名，与其账号姓名一致，该领导可催办。"),
        "反馈周期": (False, "选填。从下拉列表选择：" + "、".join(FEEDBACK_CYCLES.values())
                     + "；留空为不定期。"),
        "重点督办": (False, "选填。是或否，留空为否。"),
        "交办日期": (False, "选填。日期，留空为导入当天；不能晚于今天。"),
    }


_INSTRUCTIONS = {
    "projects": ("填写说明：第 3 行为表头，列名不要修改（列的顺序可以调整）；橙色列为必填；"
                 "类别、阶段、单位请从下拉列表选择；金额单位为万元，只填数字，不用公式；"
                 "以“示例”开头的行为示例，导入时自动跳过。表头上的批注是各列的填写要求。"),
    "progress": ("填写说明：第 3 行为表头，列名不要修改（列的顺序可以调整）；橙色列为必填；"
                 "月份请从下拉列表选择；金额单位为万元，只填数字，不用公式；"
                 "以“示例”开头的行为示例，导入时自动跳过。表头上的批注是各列的填写要求。"),
    "tasks": ("填写说明：第 3 行为表头，列名不要修改（列的顺序可以调整）；橙色列为必填；每行一个督办事项；"
              "事项来源、单位、反馈周期、重点督办请从下拉列表选择；日期填 2026-12-31 这样的格式；"
              "以“示例”开头的行为示例，导入时自动跳过；同一事项（名称、牵头单位、来源、时限相同）"
              "重复导入不会重复交办。表头上的批注是各列的填写要求。"),
}
DATE_HEADERS = ("计划开工日期", "办理时限", "交办日期")


def template_month(today: date, month: str | None) -> str:
    """The month a progress template is for: as asked (not in the future), else last month."""
    from ..commands.jobs import previous_period

    if month is None:
        return previous_period(today)
    if not _MONTH.match(month):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"month": ["月份格式应为 YYYY-MM。"]})
    if month > f"{today:%Y-%m}":
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {"month": [f"月份 {month} 晚于本月，不能填报未来月份。"]})
    return month


def build_template(services: Services, kind: str, actor: Actor, month: str | None = None) -> bytes:
    """The template for ``projects``, ``progress`` or ``tasks`` as xlsx bytes, with the actor's
    lists.

    The progress template lists the major projects (not the reserve) the actor may report on,
    pre-filled with ``month`` (default: last month, the month being reported). The task template
    has the columns the task list import reads (督办事项清单: a meeting's decisions, one a row)."""
    today = services.today()
    month = template_month(today, month) if kind == "progress" else None
    with services.engine.connect() as conn:
        unit_rows = conn.execute(select(units.c.code, units.c.name).order_by(units.c.code)).all()
        q = (select(projects.c.code, projects.c.name)
             .where(Scope(actor).projects(projects.c.owner_unit, projects.c.responsible_unit))
             .order_by(projects.c.code))
        if kind == "progress":
            q = q.where(projects.c.stage != "reserve")
        project_rows = conn.execute(q).all()
    months = _recent_months(today, 12)
    if month is not None:
        months = [month] + [m for m in months if m != month]
    if kind == "projects":
        headers = list(project_import.HEADERS)
        unit = unit_rows[0].name if unit_rows else "区住房和城乡建设局"
        example = ["示例-XM2026001", "（示例）城区污水管网改造工程", "区级重大", "续建", unit, unit,
                   "张某某", 12000, today.year, 3000, date(today.year, 3, 15)]
        title = "重大项目清单（导入模板）"
        lists = {"类别": list(PROJECT_CATEGORIES.values()), "阶段": list(PROJECT_STAGES.values()),
                 "单位": [r.name for r in unit_rows]}
        drops = {"项目类别": "类别", "项目阶段": "阶段", "业主单位": "单位", "责任单位": "单位"}
    elif kind == "progress":
        headers = [*progress_import.HEADERS, *progress_import.OPTIONAL, "项目名称（核对用）"]
        example = ["示例-XM2026001", months[0], 350.5, "主体结构完成 60%，正在进行二层浇筑。",
                   "1. 施工用地尚有 2 户未完成征迁", None, "征地拆迁", "（示例）城区污水管网改造工程"]
        title = "重大项目月度进度填报表（导入模板）"
        lists = {"月份": months, "项目": [r.code for r in project_rows],
                 "问题类别": list(PROBLEM_CATEGORIES.values())}
        drops = {"填报月份": "月份", "项目编码": "项目", "问题类别": "问题类别"}
    elif kind == "tasks":
        headers = list(task_import.HEADERS)
        lead = unit_rows[0].name if unit_rows else "区住房和城乡建设局"
        co = unit_rows[1].name if len(unit_rows) > 1 else "城关镇"
        example = ["示例-研究制定城区停车难问题整治方案", TASK_SOURCES["meeting"], lead,
                   date(today.year, 12, 31), f"区政府常务会纪要〔{today.year}〕9号", co,
                   "摸清停车泊位底数，提出整治方案报区政府。", "张某某", FEEDBACK_CYCLES["monthly"],
                   task_import.YES_NO["true"], today]
        title = "督办事项清单（导入模板）"
        lists = {"事项来源": list(TASK_SOURCES.values()), "单位": [r.name for r in unit_rows],
                 "反馈周期": list(FEEDBACK_CYCLES.values()),
                 "重点督办": list(task_import.YES_NO.values())}
        drops = {"事项来源": "事项来源", "牵头单位": "单位", "配合单位": "单位",
                 "反馈周期": "反馈周期", "重点督办": "重点督办"}
    else:
        raise InvalidCommand(f"没有名为“{kind}”的模板，可选：projects（项目清单）、progress（月度进度）、"
                             "tasks（督办事项清单）。")
    wb = Workbook()
    ws = wb.active
    ws.title = title[:title.index("（")][:31]
    _layout(ws, title, _INSTRUCTIONS[kind], headers, example, today.year)
    _dropdowns(wb, ws, headers, lists, drops)
    if kind == "progress":
        # one row per project, ready to fill in: blank rows are skipped by the import
        for i, r in enumerate(project_rows, start=5):
            safe_cell(ws, i, 1, r.code)
            safe_cell(ws, i, 2, months[0])
            safe_cell(ws, i, len(headers), r.name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _recent_months(today: date, n: int) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _layout(ws, title: str, instructions: str, headers: Sequence[str], example: Sequence,
            year: int) -> None:
    notes = _column_notes(year)
    last = get_column_letter(len(headers))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = instructions
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="center")
    ws["A2"].font = Font(name="宋体", size=10, color="C00000")
    ws.row_dimensions[2].height = 45
    example_lines = 1
    for i, header in enumerate(headers, 1):
        required, note = notes.get(header, (False, ""))
        c = safe_cell(ws, 3, i, header)
        c.font = Font(name="宋体", size=11, bold=True)
        c.fill = PatternFill("solid", fgColor=REQUIRED_FILL if required else OPTIONAL_FILL)
        c.border = _BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if note:
            c.comment = Comment(note, "督办系统")
        value = example[i - 1] if i - 1 < len(example) else None
        # wide enough for the heading and the example (a code is never cut off), at most 40:
        # a longer example wraps, and its row is as high as its lines
        width = max(12, min(40, max(len(header) * 2 + 4, text_width(str(value or "")) + 3)))
        ws.column_dimensions[get_column_letter(i)].width = width
        e = safe_cell(ws, 4, i, value)
        e.font = Font(name="宋体", italic=True, color="808080")
        e.border = _BORDER
        e.alignment = Alignment(wrap_text=True, vertical="top")
        example_lines = max(example_lines, wrapped_lines(value, width))
    ws.row_dimensions[4].height = row_height(example_lines, 11)
    for i, header in enumerate(headers, 1):
        letter = get_column_letter(i)
        fmt = ("#,##0.00" if "万元" in header else "yyyy-mm-dd" if header in DATE_HEADERS
               else "@" if header in ("项目编码", "填报月份") else None)
        if fmt:
            # text format keeps 2026-03 a month and 001 a code instead of Excel's guesses
            for r in range(4, 5 + DATA_ROWS):
                ws[f"{letter}{r}"].number_format = fmt
    ws.row_dimensions[3].height = 32
    ws.freeze_panes = "A4"


def _dropdowns(wb: Workbook, ws, headers: Sequence[str], lists: dict[str, list],
               drops: dict[str, str]) -> None:
    sheet = wb.create_sheet(LISTS)
    sheet.sheet_state = "hidden"
    where: dict[str, str] = {}
    for col, (name, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(col)
        safe_cell(sheet, 1, col, name)
        for r, value in enumerate(values, 2):
            safe_cell(sheet, r, col, value)  # unit and project names as typed by people
        end = max(2, len(values) + 1)
        where[name] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${end}"
    last_row = 4 + DATA_ROWS
    for i, header in enumerate(headers, 1):
        letter = get_column_letter(i)
        cells = f"{letter}4:{letter}{last_row}"
        if header in drops and lists.get(drops[header]):
            dv = DataValidation(type="list", formula1=where[drops[header]], allow_blank=True,
                                # units and codes may also be typed (a code, or several co-units)
                                showErrorMessage=header not in ("业主单位", "责任单位", "项目编码",
                                                                "牵头单位", "配合单位"),
                                errorTitle="输入有误", error="请从下拉列表中选择。")
        elif "万元" in header:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True, errorTitle="输入有误",
                                error="请填写不小于 0 的数字（万元）。")
        elif header == "年度":
            dv = DataValidation(type="whole", operator="between", formula1="2000",
                                formula2="2100", allow_blank=True, showErrorMessage=True,
                                errorTitle="输入有误", error="请填写四位年份，如 2026。")
        elif header in DATE_HEADERS:
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526",
                                allow_blank=True, showErrorMessage=True, errorTitle="输入有误",
                                error="请填写日期，如 2026-03-15。")
        else:
            continue
        dv.add(cells)
        ws.add_data_validation(dv)
