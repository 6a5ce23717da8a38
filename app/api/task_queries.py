"""The task ledger (督办台账), one task and its history, and the appraisal (考评).

Who reads what: dispatchers, admins and inspectors every task; a unit reporter the tasks its unit
leads or helps with (co-unit); a leader the tasks they lead (the task's ``leader``).
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import exists, select

from ..commands.task_rules import CLOSED, LIGHTS, feedback_due, leader_name, task_light
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER
from ..domain.errors import Forbidden, NotFound
from ..domain.vocab import TASK_SOURCES, TASK_STATUSES, stream
from ..projections.tasks import split_units, task_feedbacks, task_units, tasks
from ..workdays import WorkCalendar, light_settings
from ..workdays import current as current_calendar
from .event_queries import EventOut, event_json
from .pages import Page
from .queries import AsOfArgs, QuerySpec, QueryView

LEDGER_FIELDS = ("id", "title", "source", "source_ref", "lead_unit", "co_units", "leader",
                 "deadline", "status", "light", "key", "acknowledged_date", "feedback_count",
                 "last_feedback_date", "urge_count", "extension_count", "completed_date",
                 "days_to_complete", "on_time", "rating", "version")
READ_ALL = (ADMIN, DISPATCHER, INSPECTOR, "system")


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


class Lighting:
    """The light of ledger rows on one day, with the app's calendar and settings."""

    def __init__(self, today: date, cal: WorkCalendar | None = None,
                 settings: tuple[int, int] | None = None) -> None:
        self.today = today
        self.cal = cal or current_calendar()
        self.warn, self.ack = settings or light_settings()

    def sql(self, t):
        """The same light as a SQL expression over the ledger's columns."""
        return light_case(t, light_thresholds(self.today, self.cal, self.warn, self.ack))

    def __call__(self, row) -> str | None:
        return task_light(row.status, row.deadline, row.assigned_on, row.acknowledged_date,
                          row.feedback_cycle, row.last_feedback_date, self.today, self.cal,
                          self.warn, self.ack)


def light_thresholds(today: date, cal: WorkCalendar, warn: int, ack: int) -> dict[str, str]:
    """The day's light as date thresholds, so that SQL can compute it (filters, sorting, the daily
    job over every task): each working-day count is monotone in its date, so "within n working
    days" is "before a certain day". ``test_task_rules`` holds the SQL to ``task_light``."""
    from datetime import timedelta

    def earliest(ok) -> date:
        """The earliest day d <= today with ok(d), walking back while ok holds."""
        d = today
        while ok(d - timedelta(days=1)):
            d -= timedelta(days=1)
        return d

    bound = today - timedelta(days=400)
    return {
        "today": today.isoformat(),
        # yellow when deadline < the (warn+1)-th working day after today
        "warn": cal.add(today, warn + 1).isoformat(),
        # yellow when assigned before this day and still unacknowledged
        "ack": earliest(lambda d: d > bound and cal.count(d, today, stop=ack + 1) <= ack).isoformat(),
        # yellow when the last feedback (or acknowledgement, or assignment) is before this day
        **{f"feedback_{c}": earliest(lambda d, c=c: d > bound and feedback_due(c, d, cal) >= today)
           .isoformat() for c in ("weekly", "monthly")},
    }


def light_case(t, th: dict[str, str]):
    """API.md's light as a SQL expression over the task ledger's columns ``t``."""
    from sqlalchemy import and_, case, func, literal, null, or_

    since = func.coalesce(t.last_feedback_date, t.acknowledged_date, t.assigned_on)
    return case(
        (t.status.in_(CLOSED), null()),
        (t.deadline < th["today"], literal("red")),
        (or_(t.deadline < th["warn"],
             and_(t.status == "assigned", t.assigned_on < th["ack"]),
             and_(t.status.in_(("assigned", "in_progress")), or_(
                 and_(t.feedback_cycle == "weekly", since < th["feedback_weekly"]),
                 and_(t.feedback_cycle == "monthly", since < th["feedback_monthly"])))),
         literal("yellow")),
        else_=literal("green"))


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


def visible(view: QueryView):
    """The condition of the tasks the actor may read (None: all)."""
    actor = view.actor
    if actor.role in READ_ALL:
        return None
    if actor.role == UNIT_REPORTER:
        return exists().where(task_units.c.task == tasks.c.id, task_units.c.unit == actor.unit)
    if actor.role == LEADER:
        return tasks.c.leader == leader_name(actor)
    raise Forbidden("您的角色无权查看督办事项。")


def ledger_select(view: QueryView, args: dict, light: "Lighting | None" = None):
    """The ledger's rows as one SELECT in id order (the API pages it; exports read it through)."""
    conds = [c for c in (
        (light or Lighting(view.today)).sql(tasks.c) == args["light"] if "light" in args else None,
        visible(view),
        tasks.c.status == args["status"] if "status" in args else None,
        tasks.c.source == args["source"] if "source" in args else None,
        tasks.c.key == args["key"] if "key" in args else None,
        exists().where(task_units.c.task == tasks.c.id, task_units.c.unit == args["unit"])
        if "unit" in args else None,
    ) if c is not None]
    return select(tasks).where(*conds).order_by(tasks.c.id)


def ledger_rows(view: QueryView, args: dict, light: "Lighting | None" = None) -> list:
    return list(view.conn.execute(ledger_select(view, args, light)))


def list_tasks(view: QueryView, args: dict) -> Page:
    light = Lighting(view.today)
    return Page(ledger_select(view, args, light),
                lambda rows: [task_json(row, light(row)) for row in rows], tasks.c.id)


def one_task(view: QueryView, task_id: str):
    row = view.conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
    if row is None:
        raise NotFound(f"督办事项“{task_id}”不存在。")
    cond = visible(view)
    if cond is not None and view.conn.execute(
            select(tasks.c.id).where(tasks.c.id == task_id, cond)).first() is None:
        raise Forbidden("只能查看本单位承办或本人督办的事项。")
    return row


def get_task(view: QueryView, args: dict) -> dict:
    row = one_task(view, args["id"])
    return task_json(row, Lighting(view.today)(row), detail=True)


def task_history(view: QueryView, args: dict) -> list[dict]:
    one_task(view, args["id"])
    evs = view.services.store.read_stream(stream("task", args["id"]), until_position=view.position)
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


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def period_end(year: int, through: str | None, today: date) -> date:
    if through and len(through) == 10:
        return date.fromisoformat(through)
    if through:
        month = int(through[5:7])
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    return today if year == today.year else date(year, 12, 31)


def feedback_record(row, dates: list[str], today: date, cal: WorkCalendar) -> tuple[int, int]:
    """(feedbacks given by their due day, feedbacks due) of the lead unit under the task's rhythm;
    a feedback due and not given by today counts as due and late."""
    if row.feedback_cycle not in ("weekly", "monthly"):
        return 0, 0
    since = date.fromisoformat(row.first_acknowledged_date or row.registered_on)
    on_time = due_count = 0
    for d in dates:
        day = date.fromisoformat(d)
        due = feedback_due(row.feedback_cycle, since, cal)
        due_count += 1
        on_time += day <= due
        since = day
    if row.status in ("assigned", "in_progress"):
        due = feedback_due(row.feedback_cycle, since, cal)
        if due is not None and due < today:
            due_count += 1
    return on_time, due_count


def appraisal(view: QueryView, year: int, end: date) -> dict:
    light = Lighting(view.today)
    cal = light.cal
    q = select(tasks).where(tasks.c.registered_on >= f"{year:04d}-01-01",
                            tasks.c.registered_on <= end.isoformat()).order_by(tasks.c.id)
    rows = list(view.conn.execute(q))
    feedbacks: dict[str, list[str]] = {}
    for t, d in view.conn.execute(select(task_feedbacks.c.task, task_feedbacks.c.on_date)
                                  .order_by(task_feedbacks.c.task, task_feedbacks.c.seq)):
        feedbacks.setdefault(t, []).append(d)
    by_source = dict.fromkeys(TASK_SOURCES, 0)
    by_status = dict.fromkeys(TASK_STATUSES, 0)
    by_light = dict.fromkeys(LIGHTS, 0)
    units: dict[str, dict] = {}
    for r in rows:
        by_source[r.source] += 1
        by_status[r.status] += 1
        lt = light(r)
        if lt:
            by_light[lt] += 1
        if r.status == "withdrawn":
            continue  # a withdrawn task is no unit's work to be appraised on
        u = units.setdefault(r.lead_unit, {"unit": r.lead_unit, "assigned": 0, "completed": 0,
                                           "completed_on_time": 0, "_ack": 0, "_fb": 0,
                                           "_fb_due": 0, "_rated": 0, "_satisfied": 0})
        u["assigned"] += 1
        if r.status == "completed":
            u["completed"] += 1
            u["completed_on_time"] += bool(r.on_time)
        if r.first_acknowledged_date and r.first_acknowledged_date <= \
                cal.add(date.fromisoformat(r.registered_on), light.ack).isoformat():
            u["_ack"] += 1
        fb, due = feedback_record(r, feedbacks.get(r.id, []), view.today, cal)
        u["_fb"] += fb
        u["_fb_due"] += due
        if r.rating:
            u["_rated"] += 1
            u["_satisfied"] += r.rating in ("satisfied", "basically_satisfied")
    out_units = []
    for code in sorted(units):
        u = units[code]
        out_units.append({
            "unit": code, "assigned": u["assigned"], "completed": u["completed"],
            "completed_on_time": u["completed_on_time"],
            "on_time_rate": ratio(u["completed_on_time"], u["completed"]),
            "acknowledged_on_time_rate": ratio(u["_ack"], u["assigned"]),
            "feedback_on_time_rate": ratio(u["_fb"], u["_fb_due"]),
            "satisfaction_rate": ratio(u["_satisfied"], u["_rated"])})
    completed = by_status["completed"]
    on_time = sum(1 for r in rows if r.status == "completed" and r.on_time)
    return {"total": len(rows), "by_source": by_source, "by_status": by_status,
            "by_light": by_light, "completed": completed, "completed_on_time": on_time,
            "on_time_rate": ratio(on_time, completed), "units": out_units}


def report_tasks(view: QueryView, args: dict) -> dict:
    if view.actor.role not in READ_ALL + (LEADER,):
        raise Forbidden("您的角色无权查看全区督办考评数据。")
    through = args.get("through")
    year = args.get("year") or (int(through[:4]) if through else view.today.year)
    end = period_end(year, through, view.today)
    return {"year": year, "through": end.isoformat(), **appraisal(view, year, end)}


TAGS = ("督办事项",)
QUERIES = [
    QuerySpec("/tasks", list_tasks, LedgerArgs, "督办台账", TaskOut(many=True), tags=TAGS),
    QuerySpec("/tasks/{id}", get_task, TaskArgs, "督办事项详情", TaskDetailOut, tags=TAGS),
    QuerySpec("/tasks/{id}/history", task_history, TaskArgs, "督办事项的全部事件（按顺序）",
              EventOut(many=True), tags=TAGS),
    QuerySpec("/reports/tasks", report_tasks, AppraisalArgs, "督办考评（按牵头单位）", AppraisalOut,
              tags=("报表",)),
]
