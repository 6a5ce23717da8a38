"""The task ledger (督办台账), its light (红黄绿灯) and the appraisal (考评).

Who reads what is ``Scope.tasks``: dispatchers, admins and inspectors every task; a unit
reporter the tasks its unit leads or helps with (co-unit); a leader the tasks they lead.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (Connection, ColumnElement, Row, Select, and_, case, func, literal, null, or_,
                        select)

from ..commands.task_rules import LIGHTS, feedback_due, task_light
from ..domain.errors import Forbidden, NotFound
from ..domain.statuses import Light, TaskStatus
from ..domain.vocab import TASK_SOURCES, TASK_STATUSES, stream
from ..pdf.notices import Notice
from ..projections.tasks import task_feedbacks, tasks
from ..projections.units import units
from ..workdays import WorkCalendar, light_settings
from ..workdays import current as current_calendar
from .reading import QueryView
from .scope import Scope, tasks_of_unit


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
    since = func.coalesce(t.last_feedback_date, t.acknowledged_date, t.assigned_on)
    return case(
        (t.status.in_(TaskStatus.CLOSED), null()),
        (t.deadline < th["today"], literal(Light.RED)),
        (or_(t.deadline < th["warn"],
             and_(t.status == TaskStatus.ASSIGNED, t.assigned_on < th["ack"]),
             and_(t.status.in_((TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)), or_(
                 and_(t.feedback_cycle == "weekly", since < th["feedback_weekly"]),
                 and_(t.feedback_cycle == "monthly", since < th["feedback_monthly"])))),
         literal(Light.YELLOW)),
        else_=literal(Light.GREEN))


def ledger(scope: Scope, day: date, status: str | None = None, light: str | None = None,
           unit: str | None = None, source: str | None = None, key: bool | None = None,
           lighting: "Lighting | None" = None) -> Select:
    """The ledger's rows the reader may see (the table's columns), in id order."""
    conds = [c for c in (
        (lighting or Lighting(day)).sql(tasks.c) == light if light is not None else None,
        scope.task_table(),
        in_status(tasks.c.status, status) if status is not None else None,
        tasks.c.source == source if source is not None else None,
        tasks.c.key == key if key is not None else None,
        tasks.c.id.in_(tasks_of_unit(unit)) if unit is not None else None,
    ) if c is not None]
    return select(tasks).where(*conds).order_by(tasks.c.id)


def in_status(column: ColumnElement, status: str) -> ColumnElement[bool]:
    """The ledger's status filter, kept off the status index: one status may hold most of the
    tasks (every task begins assigned), and walking the index looks each of them up by key, slower
    than reading the table through; beside a unit it would also keep the database from walking
    the unit's tasks instead (20,000 of 100,000), which is what the combination needs."""
    return column.concat("") == status


def one(conn: Connection, scope: Scope, task_id: str) -> Row:
    """One task the reader may see: 404 when there is none, 403 when it is not theirs."""
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
    if row is None:
        raise NotFound(f"督办事项“{task_id}”不存在。")
    if conn.execute(select(tasks.c.id).where(tasks.c.id == task_id,
                                             scope.task_table())).first() is None:
        raise Forbidden("只能查看本单位承办或本人督办的事项。")
    return row


def rows_with_light(today: date) -> Select:
    """The ledger with the light of ``today``, its rank (red first, then yellow, green, and the
    closed ones last) and the lead unit's name (the staff pages' source)."""
    t = tasks.c
    unit_name = select(units.c.name).where(units.c.code == t.lead_unit).scalar_subquery()
    light = Lighting(today).sql(t)
    # a simple CASE on the light: computed once a row, not once per comparison
    rank = case({Light.RED: 1, Light.YELLOW: 2, Light.GREEN: 3}, value=light, else_=4)
    return select(tasks, unit_name.label("lead_unit_name"), light.label("light"),
                  rank.label("light_rank"))


# -- the appraisal (考评) ------------------------------------------------------------------
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
    if row.status in (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS):
        due = feedback_due(row.feedback_cycle, since, cal)
        if due is not None and due < today:
            due_count += 1
    return on_time, due_count


def appraisal(conn: Connection, today: date, year: int, end: date) -> dict:
    """The appraisal of the tasks registered from 1 January of ``year`` to ``end``, their
    lights on ``today``."""
    light = Lighting(today)
    cal = light.cal
    q = select(tasks).where(tasks.c.registered_on >= f"{year:04d}-01-01",
                            tasks.c.registered_on <= end.isoformat()).order_by(tasks.c.id)
    rows = list(conn.execute(q))
    feedbacks: dict[str, list[str]] = {}
    for t, d in conn.execute(select(task_feedbacks.c.task, task_feedbacks.c.on_date)
                                  .order_by(task_feedbacks.c.task, task_feedbacks.c.seq)):
        feedbacks.setdefault(t, []).append(d)
    by_source = dict.fromkeys(TASK_SOURCES, 0)
    by_status = dict.fromkeys(TASK_STATUSES, 0)
    by_light = dict.fromkeys(LIGHTS, 0)
    per_unit: dict[str, dict] = {}
    for r in rows:
        by_source[r.source] += 1
        by_status[r.status] += 1
        lt = light(r)
        if lt:
            by_light[lt] += 1
        if r.status == TaskStatus.WITHDRAWN:
            continue  # a withdrawn task is no unit's work to be appraised on
        u = per_unit.setdefault(r.lead_unit, {"unit": r.lead_unit, "assigned": 0, "completed": 0,
                                           "completed_on_time": 0, "_ack": 0, "_fb": 0,
                                           "_fb_due": 0, "_rated": 0, "_satisfied": 0})
        u["assigned"] += 1
        if r.status == TaskStatus.COMPLETED:
            u["completed"] += 1
            u["completed_on_time"] += bool(r.on_time)
        if r.first_acknowledged_date and r.first_acknowledged_date <= \
                cal.add(date.fromisoformat(r.registered_on), light.ack).isoformat():
            u["_ack"] += 1
        fb, due = feedback_record(r, feedbacks.get(r.id, []), today, cal)
        u["_fb"] += fb
        u["_fb_due"] += due
        if r.rating:
            u["_rated"] += 1
            u["_satisfied"] += r.rating in ("satisfied", "basically_satisfied")
    out_units = []
    for code in sorted(per_unit):
        u = per_unit[code]
        out_units.append({
            "unit": code, "assigned": u["assigned"], "completed": u["completed"],
            "completed_on_time": u["completed_on_time"],
            "on_time_rate": ratio(u["completed_on_time"], u["completed"]),
            "acknowledged_on_time_rate": ratio(u["_ack"], u["assigned"]),
            "feedback_on_time_rate": ratio(u["_fb"], u["_fb_due"]),
            "satisfaction_rate": ratio(u["_satisfied"], u["_rated"])})
    completed = by_status[TaskStatus.COMPLETED]
    on_time = sum(1 for r in rows if r.status == TaskStatus.COMPLETED and r.on_time)
    return {"total": len(rows), "by_source": by_source, "by_status": by_status,
            "by_light": by_light, "completed": completed, "completed_on_time": on_time,
            "on_time_rate": ratio(on_time, completed), "units": out_units}


# -- the notices (督办通知单, 催办单) --------------------------------------------------------
def notice(view: QueryView, task_id: str, kind: str, number: str | None) -> Notice:
    """The facts of a task's 督办通知单 (``notice``: as last assigned) or 催办单 (``urge``: the
    urge numbered ``number``, else the latest), as its events recorded them."""
    row = one(view.conn, Scope(view.actor), task_id)
    names = dict(view.conn.execute(select(units.c.code, units.c.name)).all())
    label = lambda code: f"{names[code]}（{code}）" if code in names else code  # noqa: E731
    with view.events() as conn:
        evs = view.services.store.read_stream(stream("task", task_id), conn,
                                              until_position=view.position)
    current: dict = {}
    chosen = None
    for ev in evs:
        d = ev.data
        if ev.type == "TaskAssigned":
            current = dict(d)
        elif ev.type == "TaskReassigned":
            current.update(lead_unit=d["lead_unit"], co_units=d["co_units"], deadline=d["deadline"],
                           notice_number=d["notice_number"])
        elif ev.type == "TaskExtensionDecided" and d["approve"]:
            current["deadline"] = d["deadline"]
        if kind == "notice" and ev.type in ("TaskAssigned", "TaskReassigned"):
            chosen = (ev, dict(current))
        if kind == "urge" and ev.type == "TaskUrged" and number in (None, d["notice_number"]):
            chosen = (ev, dict(current))
    if chosen is None:
        raise NotFound(f"督办事项 {task_id} 没有文号为“{number}”的催办单。" if number
                       else f"督办事项 {task_id} 尚未催办，没有催办单。")
    ev, facts = chosen
    return Notice(kind=kind, number=ev.data["notice_number"], issued_on=ev.business_date,
                  task_id=task_id, title=facts["title"], source=facts["source"],
                  source_ref=facts.get("source_ref"), description=facts.get("description"),
                  lead_unit=label(facts["lead_unit"]), co_units=[label(u) for u in facts["co_units"]],
                  leader=facts.get("leader"), deadline=facts["deadline"],
                  feedback_cycle=facts["feedback_cycle"], key=bool(facts["key"]),
                  note=ev.data.get("note"), status=TASK_STATUSES.get(row.status))
