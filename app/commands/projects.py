"""Major projects (重大项目): registration, annual plans, leader, stage, monthly progress,
statistics-database entry (入库)."""
from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER, UNIT_REPORTER
from ..domain.errors import Conflict, Forbidden, InvalidCommand, NotAllowed, NotFound
from ..domain.vocab import PROJECT_CATEGORIES, PROJECT_STAGES, stream
from ..events.model import NewEvent, RecordedEvent
from ..files.records import attachments_field, with_attachments
from ..limits.amounts import Amount
from ..limits.dates import Day
from .base import CommandSpec, Context, Decision
from .units import CODE

PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM。")
BAD_INPUT = "输入有误，请检查标出的字段。"


def project_stream(code: str) -> str:
    return stream("project", code)


# -- command schemas -----------------------------------------------------------
class RegisterProject(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    category = fields.String(required=True, validate=validate.OneOf(list(PROJECT_CATEGORIES)))
    stage = fields.String(required=True, validate=validate.OneOf(list(PROJECT_STAGES)))
    owner_unit = fields.String(required=True, validate=validate.Length(min=1, max=50))
    responsible_unit = fields.String(required=True, validate=validate.Length(min=1, max=50))
    total_investment = Amount(required=True)
    leader = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    planned_start = Day(load_default=None, allow_none=True)
    date = Day(load_default=None)


class SetAnnualPlan(Schema):
    code = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    planned_investment = Amount(required=True)
    date = Day(load_default=None)


class AssignLeader(Schema):
    code = fields.String(required=True)
    leader = fields.String(required=True, validate=validate.Length(min=1, max=80))
    date = Day(load_default=None)


class ChangeStage(Schema):
    code = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(list(PROJECT_STAGES)))
    date = Day(load_default=None)


class SubmitProgress(Schema):
    code = fields.String(required=True)
    period = fields.String(required=True, validate=PERIOD)
    month_investment = Amount(required=True)
    image_progress = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    # a month larger than what the project has left to invest is refused unless confirmed
    confirm_outlier = fields.Boolean(load_default=False, metadata={
        "description": "确认本月完成投资超过项目剩余投资属实（否则拒绝）"})
    attachments = attachments_field()
    date = Day(load_default=None)


class RecordStatsEntry(Schema):
    code = fields.String(required=True)
    date = Day(required=True)


# -- the state a handler decides on ------------------------------------------------
@dataclass
class ProjectState:
    code: str
    stage: str
    owner_unit: str
    responsible_unit: str
    leader: str | None
    total_investment: float = 0.0
    stats_entry_on: str | None = None
    # submissions so far per period (YYYY-MM)
    submissions: dict[str, int] = field(default_factory=dict)
    # the latest month_investment per period
    progress: dict[str, float] = field(default_factory=dict)

    def completed_before(self, period: str) -> float:
        """Investment completed in the months before ``period`` (latest submission of each)."""
        return sum(v for p, v in self.progress.items() if p < period)


def fold_project(events: list[RecordedEvent]) -> ProjectState:
    first = events[0].data
    state = ProjectState(first["code"], first["stage"], first["owner_unit"],
                         first["responsible_unit"], first.get("leader"),
                         first.get("total_investment") or 0.0)
    for ev in events[1:]:
        d = ev.data
        if ev.type == "StageChanged":
            state.stage = d["stage"]
        elif ev.type == "LeaderAssigned":
            state.leader = d["leader"]
        elif ev.type == "ProgressSubmitted":
            state.submissions[d["period"]] = state.submissions.get(d["period"], 0) + 1
            state.progress[d["period"]] = d["month_investment"]
        elif ev.type == "StatsEntryRecorded" and state.stats_entry_on is None:
            state.stats_entry_on = ev.business_date
    return state


def load_project(ctx: Context, code: str) -> ProjectState:
    return fold_project(ctx.require(project_stream(code), f"项目“{code}”不存在。"))


def _decide(code: str, event: NewEvent) -> Decision:
    return Decision(code, project_stream(code), "project", [event])


# -- handlers --------------------------------------------------------------------
def register_project(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    if ctx.exists(project_stream(code)):
        raise Conflict(f"项目编码“{code}”已存在。")
    for key, label in (("owner_unit", "业主单位"), ("responsible_unit", "责任单位")):
        if not ctx.exists(stream("unit", cmd[key])):
            raise NotFound(f"{label}“{cmd[key]}”不存在。")
    planned = cmd["planned_start"]
    data = {"code": code, "name": cmd["name"], "category": cmd["category"], "stage": cmd["stage"],
            "owner_unit": cmd["owner_unit"], "responsible_unit": cmd["responsible_unit"],
            "total_investment": round(cmd["total_investment"], 4), "leader": cmd["leader"],
            "planned_start": planned.isoformat() if planned else None}
    return _decide(code, NewEvent("ProjectRegistered", data, day))


def set_annual_plan(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    load_project(ctx, code)
    data = {"project": code, "year": cmd["year"],
            "planned_investment": round(cmd["planned_investment"], 4)}
    return _decide(code, NewEvent("AnnualPlanSet", data, day))


def assign_leader(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    state = load_project(ctx, code)
    if state.leader == cmd["leader"]:
        raise NotAllowed(f"项目“{code}”的联系领导已是“{cmd['leader']}”。")
    data = {"project": code, "leader": cmd["leader"], "previous": state.leader}
    return _decide(code, NewEvent("LeaderAssigned", data, day))


def change_stage(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    state = load_project(ctx, code)
    if state.stage == "completed":
        raise NotAllowed(f"项目“{code}”已竣工，不能再变更阶段。")
    if state.stage == cmd["stage"]:
        raise NotAllowed(f"项目“{code}”已处于“{PROJECT_STAGES[cmd['stage']]}”阶段。")
    data = {"project": code, "stage": cmd["stage"], "previous": state.stage}
    return _decide(code, NewEvent("StageChanged", data, day))


def submit_progress(ctx: Context, cmd: dict) -> Decision:
    code, period = cmd["code"], cmd["period"]
    day = ctx.business_date(cmd)
    this_month = ctx.today.strftime("%Y-%m")
    if period > this_month:
        raise InvalidCommand(BAD_INPUT, {"period": [f"填报月份不能晚于本月（{this_month}）。"]})
    state = load_project(ctx, code)
    actor = ctx.actor
    if actor.role == UNIT_REPORTER and actor.unit not in (state.owner_unit, state.responsible_unit):
        raise Forbidden(f"您所在单位不是项目“{code}”的业主单位或责任单位，无权填报其进度。")
    earlier = state.submissions.get(period, 0)
    reason = (cmd["reason"] or "").strip() or None
    if earlier and reason is None:
        raise InvalidCommand(BAD_INPUT, {"reason": [
            f"{period} 已填报过 {earlier} 次，再次填报即为更正，必须说明更正原因。"]})
    amount = round(cmd["month_investment"], 4)
    outlier = _outlier(state, period, amount, cmd["confirm_outlier"])
    data = {"project": code, "period": period, "month_investment": amount,
            "image_progress": cmd["image_progress"], "corrects": earlier, "reason": reason}
    if outlier:
        data["outlier"] = True  # confirmed by the submitter; the ledger marks it
    with_attachments(ctx, cmd, data)
    return _decide(code, NewEvent("ProgressSubmitted", data, day))


def _outlier(state: ProjectState, period: str, amount: float, confirmed: bool) -> bool:
    """Plausibility (合理性校验): a month larger than the investment the project still has to
    make (total investment less what was completed before that month) is most likely a typo
    (万元 taken for 元); it is refused unless the submitter confirms it. True: a confirmed
    outlier."""
    before = state.completed_before(period)
    remaining = round(state.total_investment - before, 4)
    if amount <= max(remaining, 0.0):
        return False
    if confirmed:
        return True
    raise InvalidCommand(BAD_INPUT, {"month_investment": [
        f"本月完成投资 {amount:,.2f} 万元超过项目尚未完成的投资 {max(remaining, 0.0):,.2f} 万元"
        f"（总投资 {state.total_investment:,.2f} 万元，此前各月已完成 {before:,.2f} 万元），"
        f"请核对金额单位（万元）；确属实的，请确认异常值后再提交（接口字段 confirm_outlier，"
        f"表单“确认异常值”，表格“确认异常”列填“是”）。"]})


def record_stats_entry(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    state = load_project(ctx, code)
    if state.stats_entry_on is not None:
        raise NotAllowed(f"项目“{code}”已于 {state.stats_entry_on} 入库，不能重复入库。")
    return _decide(code, NewEvent("StatsEntryRecorded", {"project": code}, day))


def _on_project(c: dict) -> str:
    return project_stream(c["code"])


_TAGS = ("重大项目",)
_MANAGERS = (ADMIN, DISPATCHER)
COMMANDS = [
    CommandSpec("register_project", RegisterProject, register_project, _MANAGERS, "登记重大项目",
                path="/projects", tags=_TAGS),
    CommandSpec("set_annual_plan", SetAnnualPlan, set_annual_plan, _MANAGERS,
                "下达项目年度计划投资（同一年度再次下达即替换）", stream=_on_project,
                path="/projects/{code}/annual-plans", tags=_TAGS),
    CommandSpec("assign_leader", AssignLeader, assign_leader, _MANAGERS, "确定挂联县级领导",
                stream=_on_project, path="/projects/{code}/leader", tags=_TAGS),
    CommandSpec("change_stage", ChangeStage, change_stage, _MANAGERS, "变更项目阶段",
                stream=_on_project, path="/projects/{code}/stage", tags=_TAGS),
    CommandSpec("submit_progress", SubmitProgress, submit_progress,
                (ADMIN, DISPATCHER, UNIT_REPORTER),
                "月度进度填报（同月再次填报为更正，须说明原因）", stream=_on_project,
                path="/projects/{code}/progress", tags=_TAGS),
    CommandSpec("record_stats_entry", RecordStatsEntry, record_stats_entry, _MANAGERS,
                "记录项目入统计库", stream=_on_project, path="/projects/{code}/stats-entry",
                tags=_TAGS),
]
