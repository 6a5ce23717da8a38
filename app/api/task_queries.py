"""The task ledger (督办台账), one task and its history, and the appraisal (考评), from
``app/views/tasks`` (who reads what: ``Scope.tasks``)."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..commands.task_rules import LIGHTS
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..domain.errors import Forbidden
from ..domain.vocab import TASK_SOURCES, TASK_STATUSES, stream
from ..projections.tasks import split_units
from ..projections.tasks import tasks as task_table
from ..views import tasks
from ..views.scope import Scope
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView

LEDGER_FIELDS = ("id", "title", "source", "source_ref", "lead_unit", "co_units", "leader",
                 "deadline", "status", "light", "key", "acknowledged_date", "feedback_count",
                 "last_feedback_date", "urge_count", "extension_count", "completed_date",
                 "days_to_complete", "on_time", "rating", "version")
APPRAISAL_ROLES = (ADMIN, DISPATCHER, INSPECTOR, LEADER, "system")


class LedgerArgs(AsOfArgs):
    status = fields.String(validate=validate.OneOf(list(TASK_STATUSES)))
    light = fields.String(validate=validate.OneOf(list(LIGHTS)))
    unit = fields.String(metadata={"description": "牵头或配合单位"})
    source = fields.String(validate=validate.OneOf(list(TASK_SOURCES)))
    key = fields.Boolean(metadata={"description": "true：只看重点督办事项"})


class TaskArgs(AsOfArgs):
    id = fields.String(required=True)


class TaskOut(Schema):
    id = fields.String()
    title = fields.String()
    source = fields.String()
    source_ref = fields.String(allow_none=True)
    lead_unit = fields.String()
    co_units = fields.List(fields.String())
    leader = fields.String(allow_none=True)
    deadline = fields.String()
    status = fields.String()
    light = fields.String(allow_none=True, metadata={"description": "red、yellow、green；已办结或撤销为 null"})
    key = fields.Boolean()
    acknowledged_date = fields.String(allow_none=True)
    feedback_count = fields.Integer()
    last_feedback_date = fields.String(allow_none=True)
    urge_count = fields.Integer()
    extension_count = fields.Integer()
    completed_date = fields.String(allow_none=True)
    days_to_complete = fields.Integer(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    rating = fields.String(allow_none=True)
    version = fields.Integer()


class TaskDetailOut(TaskOut):
    description = fields.String(allow_none=True)
    feedback_cycle = fields.String()
    notice_number = fields.String()
    urge_number = fields.String(allow_none=True)
    registered_on = fields.String()
    assigned_on = fields.String()
    requested_deadline = fields.String(allow_none=True)
    status_name = fields.String()
    light_name = fields.String(allow_none=True)


def task_json(row, light: str | None, detail: bool = False) -> dict:
    m = row._mapping
    out = {k: m[k] for k in LEDGER_FIELDS if k not in ("co_units", "light")}
    out["co_units"] = split_units(row.co_units)
    out["light"] = light
    out["key"] = bool(row.key)
    if detail:
        for k in ("description", "feedback_cycle", "notice_number", "urge_number", "registered_on",
                  "assigned_on", "requested_deadline"):
            out[k] = m[k]
        out["status_name"] = TASK_STATUSES[row.status]
        out["light_name"] = LIGHTS.get(light or "")
    return out


def list_tasks(view: QueryView, args: dict) -> Page:
    light = tasks.Lighting(view.today)
    q = tasks.ledger(Scope(view.actor), view.today, lighting=light, **args)
    return Page(q, lambda rows: [task_json(row, light(row)) for row in rows], task_table.c.id)


def one_task(view: QueryView, task_id: str):
    return tasks.one(view.conn, Scope(view.actor), task_id)


def get_task(view: QueryView, args: dict) -> dict:
    row = one_task(view, args["id"])
    return task_json(row, tasks.Lighting(view.today)(row), detail=True)


def task_history(view: QueryView, args: dict) -> list[dict]:
    one_task(view, args["id"])
    with view.events() as conn:
        evs = view.services.store.read_stream(stream("task", args["id"]), conn,
                                              until_position=view.position)
    return [event_json(e) for e in evs]


# -- the appraisal (考评) ------------------------------------------------------------------
class AppraisalArgs(AsOfArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "年度（默认：今年；给了 through 时为其年度）"})
    through = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$",
                                 error="截止时间格式应为 YYYY-MM 或 YYYY-MM-DD。"),
        metadata={"description": "截止月份 YYYY-MM 或日期 YYYY-MM-DD（默认：当年为今天，往年为年末）"})

    @validates_schema
    def _through(self, data: dict, **_) -> None:
        year, through = data.get("year"), data.get("through")
        if through and len(through) == 10:
            try:
                date.fromisoformat(through)
            except ValueError:
                raise ValidationError("不是有效的日期。", "through") from None
        if year is not None and through is not None and int(through[:4]) != year:
            raise ValidationError(f"截止时间须在所查询的年度（{year} 年）之内。", "through")


class UnitAppraisalOut(Schema):
    unit = fields.String()
    assigned = fields.Integer(metadata={"description": "牵头承办的事项数"})
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    on_time_rate = fields.Float(metadata={"description": "按时办结数 / 办结数"})
    acknowledged_on_time_rate = fields.Float(metadata={"description": "按时签收数 / 交办数"})
    feedback_on_time_rate = fields.Float(metadata={"description": "按期反馈次数 / 应反馈次数"})
    satisfaction_rate = fields.Float(metadata={"description": "满意与基本满意数 / 已评价数"})


class AppraisalOut(Schema):
    year = fields.Integer()
    through = fields.String()
    total = fields.Integer()
    by_source = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_light = fields.Dict(keys=fields.String(), values=fields.Integer())
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    on_time_rate = fields.Float()
    units = fields.List(fields.Nested(UnitAppraisalOut))


def report_tasks(view: QueryView, args: dict) -> dict:
    if view.actor.role not in APPRAISAL_ROLES:
        raise Forbidden("您的角色无权查看全区督办考评数据。")
    through = args.get("through")
    year = args.get("year") or (int(through[:4]) if through else view.today.year)
    end = tasks.period_end(year, through, view.today)
    return {"year": year, "through": end.isoformat(),
            **tasks.appraisal(view.conn, view.today, year, end)}


TAGS = ("督办事项",)
QUERIES = [
    QuerySpec("/tasks", list_tasks, LedgerArgs, "督办台账", TaskOut(many=True), tags=TAGS),
    QuerySpec("/tasks/{id}", get_task, TaskArgs, "督办事项详情", TaskDetailOut, tags=TAGS),
    QuerySpec("/tasks/{id}/history", task_history, TaskArgs, "督办事项的全部事件（按顺序）",
              EventOut(many=True), tags=TAGS),
    QuerySpec("/reports/tasks", report_tasks, AppraisalArgs, "督办考评（按牵头单位）", AppraisalOut,
              tags=("报表",)),
]
