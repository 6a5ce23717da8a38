"""The form of each command: which inputs it shows, in Chinese, and how they become a payload.

Forms stay thin on purpose: every input is passed on as text and the command's own
marshmallow schema validates it, so the UI refuses exactly what the API refuses, with the
same Chinese messages, attached to the same fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, ROLE_NAMES, UNIT_REPORTER
from ..domain.vocab import FEEDBACK_CYCLES, FUNDING_SOURCES, FUNDING_STAGES, RATINGS, TASK_SOURCES
from .vocab import (
    INSPECTION_KINDS,
    LEVELS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROJECT_CATEGORIES,
    PROJECT_STAGES,
    UNIT_KINDS,
)


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, month, number, integer, select, list, password, files
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    suggest: str | None = None  # "unit" or "project": a datalist of known codes


@dataclass(frozen=True)
class CommandForm:
    command: str
    title: str
    inputs: tuple[Input, ...]
    # the thing the command acts on: payload key, stream kind, label (None: it creates one)
    target: tuple[str, str, str] | None = None
    menu: str | None = None  # label in the 办理 menu, for commands that need no row to start from
    danger: bool = False


def _c(d: dict) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v) for k, v in d.items())


# No role is chosen for the admin: the most powerful one must be picked on purpose.
ROLE_CHOICES = (("", "（请选择角色）"),) + tuple(
    (r, ROLE_NAMES[r]) for r in (UNIT_REPORTER, DISPATCHER, LEADER, INSPECTOR, ADMIN))
DATE = Input("date", "业务日期", "date", help="事情发生的日期，默认今天；补录历史时填写当天日期。")
REASON = Input("reason", "原因", "textarea", True)
FILES = Input("attachments", "附件", "files",
              help="可选多个文件：图片、PDF、Word、Excel 或纯文本，单个不超过 20 MB。")
PROJECT = ("code", "project", "项目")
PROBLEM = ("id", "problem", "问题")
UNIT = ("code", "unit", "单位")

FORMS = {f.command: f for f in [
    CommandForm("register_unit", "登记单位", (
        Input("code", "单位编码", required=True), Input("name", "单位名称", required=True),
        Input("kind", "单位类型", "select", True, _c(UNIT_KINDS)), DATE), menu="登记单位"),
    CommandForm("set_investment_task", "下达年度投资任务", (
        Input("year", "年度", "integer", True), Input("amount", "投资任务（万元）", "number", True),
        DATE), target=UNIT, menu="下达投资任务"),
    CommandForm("create_user", "创建用户", (
        Input("username", "用户名", required=True), Input("password", "初始密码", "password", True),
        Input("role", "角色", "select", True, ROLE_CHOICES),
        Input("unit", "所属单位（填报员必填）", suggest="unit"),
        Input("display_name", "姓名（县级领导填写其在项目上的署名）")), menu="创建用户"),
    CommandForm("change_role", "变更用户角色", (
        Input("username", "用户名", required=True),
        Input("role", "新角色", "select", True, ROLE_CHOICES),
        Input("unit", "所属单位（填报员必填）", suggest="unit")), menu="变更用户角色"),
    CommandForm("deactivate_user", "停用用户（其令牌与会话立即失效）", (
        Input("username", "用户名", required=True),), menu="停用用户", danger=True),
    CommandForm("reactivate_user", "重新启用用户", (
        Input("username", "用户名", required=True),), menu="重新启用用户"),
    CommandForm("register_project", "登记重大项目", (
        Input("code", "项目编码", required=True), Input("name", "项目名称", required=True),
        Input("category", "项目类别", "select", True, _c(PROJECT_CATEGORIES)),
        Input("stage", "项目阶段", "select", True, _c(PROJECT_STAGES)),
        Input("owner_unit", "业主单位", required=True, suggest="unit"),
        Input("responsible_unit", "责任单位", required=True, suggest="unit"),
        Input("total_investment", "总投资（万元）", "number", True),
        Input("leader", "联系县级领导"), Input("planned_start", "计划开工日期", "date"), DATE),
        menu="登记项目"),
    CommandForm("set_annual_plan", "下达年度计划投资", (
        Input("year", "年度", "integer", True),
        Input("planned_investment", "年度计划投资（万元）", "number", True), DATE), target=PROJECT),
    CommandForm("assign_leader", "确定挂联县级领导", (
        Input("leader", "联系县级领导", required=True), DATE), target=PROJECT),
    CommandForm("change_stage", "变更项目阶段", (
        Input("stage", "新阶段", "select", True, _c(PROJECT_STAGES)), DATE), target=PROJECT),
    CommandForm("submit_progress", "月度进度填报", (
        Input("period", "填报月份", "month", True),
        Input("month_investment", "本月完成投资（万元）", "number", True),
        Input("image_progress", "形象进度", "textarea", True),
        Input("reason", "更正原因", "textarea",
              help="同一月份再次填报即为更正，须说明原因；原填报保留可查。"),
        Input("confirm_outlier", "确认异常值", "select", choices=(("true", "确认属实"),),
              help="本月完成投资超过项目尚未完成的投资时，须确认金额属实（注意单位为万元）。"),
        FILES, DATE), target=PROJECT, menu="填报进度"),
    CommandForm("record_stats_entry", "记录入统计库", (
        Input("date", "入库日期", "date", True),), target=PROJECT),
    CommandForm("hold_meeting", "召开调度会", (
        Input("level", "调度级别", "select", True, _c(LEVELS)), Input("date", "会议日期", "date", True),
        Input("chair", "主持人", required=True), Input("topic", "会议议题", "textarea", True),
        Input("attendees", "参会人员", "list", help="多人以顿号或逗号分隔。"), FILES), menu="召开调度会"),
    CommandForm("raise_problem", "提出问题", (
        Input("category", "问题类别", "select", True, _c(PROBLEM_CATEGORIES)),
        Input("description", "问题描述", "textarea", True),
        Input("source", "问题来源", "select", True, _c(PROBLEM_SOURCES)),
        Input("project", "所属项目编码", suggest="project"),
        Input("inspection", "来源督查编号（督查发现时）"), DATE), menu="提出问题"),
    CommandForm("dispatch_problem", "调度交办", (
        Input("level", "调度级别", "select", True, _c(LEVELS)),
        Input("decision", "调度意见及措施", "textarea", True),
        Input("responsible_unit", "责任单位", required=True, suggest="unit"),
        Input("deadline", "完成时限", "date", True), Input("responsible_person", "责任人"),
        Input("leader", "分管领导"), Input("meeting", "所属调度会编号"), DATE), target=PROBLEM),
    CommandForm("escalate_problem", "提级调度", (REASON, DATE), target=PROBLEM, danger=True),
    CommandForm("note_problem", "进展备注", (Input("note", "进展情况", "textarea", True), FILES, DATE),
                target=PROBLEM),
    CommandForm("urge_problem", "催办督办", (Input("note", "催办内容", "textarea", True), FILES, DATE),
                target=PROBLEM),
    CommandForm("extend_deadline", "延长完成时限", (
        Input("deadline", "新的完成时限", "date", True), REASON), target=PROBLEM),
    CommandForm("report_resolution", "报告解决", (
        Input("description", "解决情况", "textarea", True), FILES, DATE), target=PROBLEM),
    CommandForm("verify_resolution", "核验销号", (
        Input("note", "核验意见", "textarea", True), FILES, DATE), target=PROBLEM),
    CommandForm("reject_resolution", "退回重办", (REASON, DATE), target=PROBLEM, danger=True),
    CommandForm("reopen_problem", "重新打开", (REASON, DATE), target=PROBLEM, danger=True),
    CommandForm("withdraw_problem", "撤回问题", (REASON, DATE), target=PROBLEM, danger=True),
    CommandForm("record_inspection", "记录督查", (
        Input("kind", "督查类型", "select", True, _c(INSPECTION_KINDS)),
        Input("date", "督查日期", "date", True), Input("inspectors", "督查人员", "list", True),
        Input("summary", "督查情况及发现", "textarea", True),
        Input("targets", "被督查单位", "list", suggest="unit", help="名称或编码，多个以逗号或顿号分隔。"),
        FILES),
        menu="记录督查"),
    CommandForm("issue_bulletin", "发布督查通报", (
        Input("number", "通报期号", required=True), Input("title", "通报标题", required=True),
        Input("date", "通报日期", "date", True),
        Input("inspections", "涉及督查编号", "list", help="多个以逗号分隔。"), FILES),
        menu="发布督查通报"),
]}
# projects in several lists, the funding ledger, published reports
FORMS.update({f.command: f for f in [
    CommandForm("set_project_lists", "设置项目所属清单", (
        Input("lists", "除项目类别外还列入的清单", "list",
              help="清单代码以逗号分隔：provincial（省重点）、municipal（市重点）、district（区级重大）、"
                   "key_push（重抓重推）；留空为不再列入其他清单。"), DATE), target=PROJECT),
    CommandForm("record_funding", "登记项目资金", (
        Input("source", "资金来源", "select", True, _c(FUNDING_SOURCES)),
        Input("stage", "环节", "select", True, _c(FUNDING_STAGES)),
        Input("amount", "金额（万元）", "number", True), Input("document", "文号"), DATE),
        target=PROJECT, menu="登记项目资金"),
    CommandForm("publish_summary", "发布工作汇总报告", (
        Input("year", "年度", "integer", True),
        Input("through", "截止月份或日期", required=True, help="YYYY-MM 或 YYYY-MM-DD，如 2019-06-25。"),
        Input("title", "报告标题", required=True), DATE), menu="发布工作汇总报告"),
]})

TASK = ("id", "task", "督办事项")

FORMS.update({f.command: f for f in [
    CommandForm("register_task", "登记交办督办事项", (
        Input("title", "事项名称", required=True),
        Input("source", "事项来源", "select", True, _c(TASK_SOURCES)),
        Input("source_ref", "来源文件或编号（如批示号、建议号）"),
        Input("lead_unit", "牵头单位", required=True, suggest="unit"),
        Input("co_units", "配合单位", "list", suggest="unit", help="名称或编码，多个以逗号或顿号分隔。"),
        Input("deadline", "办理时限", "date", True),
        Input("description", "具体内容及要求", "textarea"),
        Input("leader", "督办领导"),
        Input("feedback_cycle", "反馈周期", "select", False, _c(FEEDBACK_CYCLES)),
        Input("key", "重点督办", "select", False, (("false", "否"), ("true", "是"))), DATE),
        menu="交办督办事项"),
    CommandForm("acknowledge_task", "签收", (Input("note", "签收意见", "textarea"), DATE), target=TASK),
    CommandForm("return_task", "退回（非本单位事项）", (REASON, DATE), target=TASK, danger=True),
    CommandForm("reassign_task", "重新交办", (
        Input("lead_unit", "新的牵头单位", required=True, suggest="unit"), REASON,
        Input("co_units", "配合单位", "list", suggest="unit", help="不填则沿用原配合单位。"),
        Input("deadline", "新的办理时限", "date", help="不填则沿用原时限。"), DATE), target=TASK),
    CommandForm("give_task_feedback", "阶段反馈", (
        Input("progress", "办理进展", "textarea", True), FILES, DATE), target=TASK),
    CommandForm("urge_task", "催办", (Input("note", "催办意见", "textarea", True), DATE), target=TASK),
    CommandForm("request_task_extension", "申请延期", (
        Input("deadline", "申请延至", "date", True), REASON, DATE), target=TASK),
    CommandForm("decide_task_extension", "审批延期申请", (
        Input("approve", "审批结果", "select", True, (("true", "同意"), ("false", "不同意"))),
        Input("note", "审批意见", "textarea", True), DATE), target=TASK),
    CommandForm("report_task_completion", "报告办结", (
        Input("report", "办结报告", "textarea", True), FILES, DATE), target=TASK),
    CommandForm("accept_task_completion", "审核办结（销号）", (
        Input("note", "审核意见", "textarea", True), DATE), target=TASK),
    CommandForm("send_back_task", "退回重办", (REASON, DATE), target=TASK, danger=True),
    CommandForm("evaluate_task", "满意度评价", (
        Input("rating", "评价", "select", True, _c(RATINGS)), Input("note", "评价说明", "textarea"),
        DATE), target=TASK),
    CommandForm("withdraw_task", "撤销督办事项", (REASON, DATE), target=TASK, danger=True),
]})


_SPLIT = re.compile(r"[,，、;；\n]+")
_HTML_TYPES = {"date": "date", "month": "month", "number": "number", "integer": "number"}


def form_class(spec: CommandForm, target_given: bool,
               units: Sequence[tuple[str, str]] = ()) -> type[FlaskForm]:
    """A FlaskForm for a command: CSRF, the command id (a double submit records once) and the
    version the page was read at (a stale form is refused instead of overwriting). A unit is
    chosen by its name from ``units`` (code, name): the command still receives the code."""
    attrs: dict = {"command_id": HiddenField(), "expected_version": HiddenField()}
    if spec.target:
        key, _kind, label = spec.target
        attrs[key] = (HiddenField() if target_given
                      else StringField(f"{label}编码", render_kw={"required": True}))
    for inp in spec.inputs:
        kw = {"required": True} if inp.required else {}
        if inp.kind in _HTML_TYPES:
            kw["type"] = _HTML_TYPES[inp.kind]
            if inp.kind == "number":
                kw["step"] = "any"
        if inp.suggest:
            kw["list"] = f"suggest-{inp.suggest}"
        label = inp.label
        if inp.suggest == "unit" and inp.kind == "text":
            blank = [("", "（不填）" if not inp.required else "（请选择单位）")]
            choices = [SelectChoice(v, text) for v, text in
                       blank + [(code, f"{name}（{code}）") for code, name in units]]
            kw.pop("list", None)
            attrs[inp.name] = SelectField(label, choices=choices, validate_choice=False,
                                          render_kw=kw)
        elif inp.kind == "select":
            choices = [SelectChoice(v, label) for v, label in
                       ([] if inp.required else [("", "（不填）")]) + list(inp.choices)]
            attrs[inp.name] = SelectField(label, choices=choices, validate_choice=False,
                                          render_kw=kw)
        elif inp.kind == "textarea":
            attrs[inp.name] = TextAreaField(label, render_kw={**kw, "rows": 3})
        elif inp.kind == "files":
            attrs[inp.name] = MultipleFileField(label, render_kw={"multiple": True})
        elif inp.kind == "password":
            attrs[inp.name] = PasswordField(label, render_kw=kw)
        else:
            attrs[inp.name] = StringField(label, render_kw=kw)
    return type(f"{spec.command}_form", (FlaskForm,), attrs)


def payload(spec: CommandForm, form: FlaskForm, unit_codes: Mapping[str, str] = {}) -> dict:
    """The command's body: blank optional inputs are left out so the schema's defaults apply;
    in a list of units a name stands for its code (``unit_codes``: name -> code)."""
    body: dict = {}
    if spec.target:
        body[spec.target[0]] = (form[spec.target[0]].data or "").strip()
    for inp in spec.inputs:
        if inp.kind == "files":
            continue  # kept first, then named by hash (see has_files)
        raw = form[inp.name].data
        text = raw.strip() if isinstance(raw, str) else raw
        if text in ("", None):
            continue
        if inp.kind == "list":
            parts = [p.strip() for p in _SPLIT.split(text) if p.strip()]
            body[inp.name] = ([unit_codes.get(p, p) for p in parts] if inp.suggest == "unit"
                              else parts)
        else:
            body[inp.name] = text
    return body


def has_files(spec: CommandForm) -> bool:
    return any(i.kind == "files" for i in spec.inputs)


def uploaded_files(form: FlaskForm) -> list:
    """The files chosen in the form's file input (browsers send one empty part when none)."""
    return [f for f in (form["attachments"].data or []) if getattr(f, "filename", None)]
