"""The staff pages of tasks (督办事项): the ledger (督办台账) with its lights and row buttons, a
task's timeline with its notices, the appraisal (考评), the home page's task to-dos, and the forms
of every task command."""
from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import request, send_file, url_for
from flask_admin import BaseView, expose
from markupsafe import Markup
from sqlalchemy import Select, case, func, select

from ..commands.task_rules import LIGHTS, leader_name
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, ROLE_NAMES, UNIT_REPORTER, Actor
from ..domain.errors import CommandError
from ..domain.statuses import Light, TaskStatus
from ..domain.vocab import FEEDBACK_CYCLES, RATINGS, TASK_SOURCES, TASK_STATUSES
from ..events.model import RecordedEvent
from ..views import tasks as task_views
from ..views.reading import QueryView, reading
from ..views.scope import Scope, tasks_of_unit
from ..views.units import unit_names
from .access import SecuredView, written_position
from .ledger import Equals, Flag, LedgerView, ReadContext, formatter, parse_as_of
from .links import buttons, can, command
from .queries import unit_choices
from .vocab import event_name, link, local_instant, percent

LIGHT_STYLES = {Light.RED: "danger", Light.YELLOW: "warning", Light.GREEN: "success"}
STATUS_STYLES = {TaskStatus.ASSIGNED: "secondary", TaskStatus.IN_PROGRESS: "primary",
                 TaskStatus.RETURNED: "dark", TaskStatus.AWAITING_ACCEPTANCE: "warning",
                 TaskStatus.COMPLETED: "success", TaskStatus.WITHDRAWN: "light"}


# The next steps of a task in each status, in the order the buttons show; each shown only to
# whoever may take it (role, and for a unit reporter whether its unit leads or helps).
TASK_ACTIONS: dict[str, list[tuple[str, str, str]]] = {
    TaskStatus.ASSIGNED: [("acknowledge_task", "签收", "success"), ("return_task", "退回", "secondary"),
                 ("give_task_feedback", "反馈", "primary"), ("urge_task", "催办", "warning"),
                 ("reassign_task", "重新交办", "secondary"), ("withdraw_task", "撤销", "secondary")],
    TaskStatus.IN_PROGRESS: [("give_task_feedback", "反馈", "primary"),
                    ("report_task_completion", "报告办结", "success"),
                    ("request_task_extension", "申请延期", "secondary"),
                    ("acknowledge_task", "签收", "success"), ("urge_task", "催办", "warning"),
                    ("decide_task_extension", "审批延期", "info"),
                    ("reassign_task", "重新交办", "secondary"), ("return_task", "退回", "secondary"),
                    ("withdraw_task", "撤销", "secondary")],
    TaskStatus.RETURNED: [("reassign_task", "重新交办", "primary"), ("urge_task", "催办", "warning"),
                 ("withdraw_task", "撤销", "secondary")],
    TaskStatus.AWAITING_ACCEPTANCE: [("accept_task_completion", "审核销号", "success"),
                            ("send_back_task", "退回重办", "danger"),
                            ("decide_task_extension", "审批延期", "info"),
                            ("withdraw_task", "撤销", "secondary")],
    TaskStatus.COMPLETED: [("evaluate_task", "满意度评价", "primary")],
    TaskStatus.WITHDRAWN: [],
}
LEAD_ONLY = ("return_task", "report_task_completion", "request_task_extension")


def _may(actor: Actor, name: str, row) -> bool:
    if not can(name):
        return False
    if actor.role == UNIT_REPORTER:
        co = (row.co_units or "").split(",")
        if name in LEAD_ONLY:
            return row.lead_unit == actor.unit
        return actor.unit == row.lead_unit or actor.unit in co
    if actor.role == LEADER:
        return row.leader == leader_name(actor)
    if name == "decide_task_extension":
        return bool(row.requested_deadline)
    return True


def task_buttons(actor: Actor, row, timeline: bool = True) -> Markup:
    items = [(url_for("task_timeline.index", id=row.id), "时间线", "info")] if timeline else []
    for name, label, style in TASK_ACTIONS.get(row.status, []):
        if _may(actor, name, row):
            items.append((command(name, id=row.id), label, style))
    return buttons(items)


def light_badge(light: str | None) -> Markup:
    if not light:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<span class="badge badge-{} task-light" data-light="{}">{}</span>').format(
        LIGHT_STYLES[light], light, LIGHTS[light])


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATUS_STYLES.get(status, "secondary"), TASK_STATUSES.get(status, status))


class StatusOfTask(Equals):
    def condition(self, src, value: Any):
        return task_views.in_status(src.c.status, self.clean(value))


class UnitOfTask(Equals):
    """The lead unit or a co-unit."""

    def condition(self, src, value: Any):
        return src.c.id.in_(tasks_of_unit(value))


class TaskLedgerView(LedgerView):
    """督办台账: every task with its light, units, deadline and the counts of its steps."""

    pk = "id"
    default_order = ("light_rank", False)
    export_name = "tasks"
    export_narrows = True
    page_keys_first = True  # the light and the unit's name only for the rows shown
    column_list = ["actions", "light", "id", "title", "source", "lead_unit_name", "co_units",
                   "deadline", "status", "key", "acknowledged_date", "feedback_count",
                   "last_feedback_date", "urge_count", "extension_count", "completed_date",
                   "on_time", "rating"]
    column_sortable_list = ["light_rank", "id", "deadline", "status", "source", "acknowledged_date",
                            "feedback_count", "urge_count", "completed_date"]
    column_labels = {
        "actions": "操作", "light": "亮灯", "light_rank": "亮灯", "id": "编号", "title": "督办事项",
        "source": "来源", "source_ref": "来源文号", "lead_unit": "牵头单位编码",
        "lead_unit_name": "牵头单位", "co_units": "配合单位", "leader": "督办领导",
        "deadline": "办理时限", "status": "状态", "key": "重点", "acknowledged_date": "签收日期",
        "feedback_count": "反馈次数", "last_feedback_date": "最近反馈", "urge_count": "催办次数",
        "extension_count": "延期次数", "completed_date": "办结日期", "days_to_complete": "办理天数",
        "on_time": "按期办结", "rating": "满意度", "notice_number": "督办文号"}
    column_searchable_list = ["id", "title", "source_ref"]
    column_filters = [
        Equals("light", "亮灯", list(LIGHTS.items())),
        StatusOfTask("status", "状态", list(TASK_STATUSES.items())),
        Equals("source", "来源", list(TASK_SOURCES.items())),
        UnitOfTask("lead_unit", "承办单位（牵头或配合）", unit_choices, key="unit"),
        Flag("key", "重点督办"),
        Equals("leader", "督办领导"),
    ]
    column_formatters = {
        "actions": formatter(lambda r: task_buttons(_actor(), r)),
        "light": formatter(lambda r: light_badge(r.light)),
        "id": formatter(lambda r: link(url_for("task_timeline.index", id=r.id), r.id)),
        "source": formatter(lambda r: TASK_SOURCES.get(r.source, r.source)),
        # 、 between the codes: the cell wraps between units, not inside a code
        "co_units": formatter(lambda r: "、".join(filter(None, (r.co_units or "").split(",")))),
        "status": formatter(lambda r: status_badge(r.status)),
        "key": formatter(lambda r: Markup('<span class="badge badge-danger">重点</span>') if r.key else ""),
        "on_time": formatter(lambda r: "" if r.on_time is None else ("是" if r.on_time else "否")),
        "rating": formatter(lambda r: RATINGS.get(r.rating or "", "")),
    }
    def source(self, ctx: ReadContext) -> Select:
        return task_views.rows_with_light(ctx.today)

    def scope_condition(self, src):
        return Scope(self.actor()).tasks(src.c.id, src.c.leader)

    def count_and_banner(self, conn, src, where, ctx: ReadContext) -> tuple[int, Markup]:
        # one pass for the count and the totals by light; OFFSET 0 keeps the database from
        # inlining the light into each sum (it is computed once a row), and sums instead of
        # GROUP BY spare sorting every row by its light
        lit = select(src.c.light).where(*where).offset(0).subquery()
        lights = (Light.RED, Light.YELLOW, Light.GREEN)
        total, *sums = conn.execute(select(func.count(), *[
            func.coalesce(func.sum(case((lit.c.light == light, 1), else_=0)), 0)
            for light in lights])).one()
        counts = dict(zip(lights, sums))
        return total, Markup(
            "共 <b>{}</b> 项督办事项：红灯 <b class=\"text-danger\">{}</b> 项，黄灯 "
            "<b class=\"text-warning\">{}</b> 项，绿灯 <b class=\"text-success\">{}</b> 项"
            "（按 {} 计）。").format(total, counts[Light.RED], counts[Light.YELLOW],
                                 counts[Light.GREEN], ctx.today_iso)


def _actor() -> Actor:
    from .access import current_actor

    return current_actor()  # type: ignore[return-value]


# -- the timeline ---------------------------------------------------------------------------
TEXT_KEYS = ("progress", "report", "note", "reason", "title")


def task_entries(evs: list[RecordedEvent], tz) -> list[dict]:
    out = []
    for ev in evs:
        d, meta = ev.data, ev.meta
        role = ROLE_NAMES.get(meta.get("role"), meta.get("role") or "")
        changes: list[str] = []
        if ev.type == "TaskAssigned":
            changes = [f"牵头单位：{d['lead_unit']}", f"配合单位：{'、'.join(d['co_units']) or '（无）'}",
                       f"办理时限：{d['deadline']}", f"文号：{d['notice_number']}"]
        elif ev.type == "TaskReassigned":
            changes = [f"牵头单位：{d['previous_lead_unit']} → {d['lead_unit']}",
                       f"办理时限：{d['deadline']}", f"文号：{d['notice_number']}"]
        elif ev.type == "TaskUrged":
            changes = [f"催办单文号：{d['notice_number']}"]
        elif ev.type == "TaskExtensionRequested":
            changes = [f"申请时限：{d['previous']} → {d['deadline']}"]
        elif ev.type == "TaskExtensionDecided":
            changes = [("同意" if d["approve"] else "不同意") + f"延期至 {d['deadline']}"]
        elif ev.type == "TaskEvaluated":
            changes = [f"满意度：{RATINGS.get(d['rating'], d['rating'])}"]
        elif ev.type == "TaskLightChanged":
            changes = [f"亮灯：{LIGHTS.get(d['previous'] or '', '熄灭')} → {LIGHTS.get(d['light'] or '', '熄灭')}"]
        elif ev.type in ("TaskAcknowledged", "TaskFeedbackGiven", "TaskReturned",
                         "TaskCompletionReported"):
            changes = [f"单位：{d['unit']}" + ("（牵头）" if d.get("lead") else "")]
        if d.get("attachments"):
            changes.append(f"附件 {len(d['attachments'])} 个")
        out.append({"event": ev, "name": event_name(ev.type),
                    "actor": f"{meta.get('actor') or ''}（{role}{'·' + meta['unit'] if meta.get('unit') else ''}）",
                    "business_date": ev.business_date or "",
                    "recorded": local_instant(ev.recorded_at, tz),
                    "text": next((str(d[k]) for k in TEXT_KEYS if d.get(k)), ""), "changes": changes})
    return out


class TaskTimelineView(SecuredView, BaseView):
    def is_visible(self) -> bool:
        return False

    def _load(self, tid: str):
        try:
            as_of = parse_as_of(request.args.get("as_of"))
        except ValueError:
            as_of = None
        day = as_of.astimezone(self.svc.tz).date() if as_of else self.svc.today()
        with reading(self.svc, as_of, written_position()) as (conn, position):
            src = task_views.rows_with_light(day).subquery()
            row = conn.execute(select(src).where(src.c.id == tid)).first()
            allowed = conn.execute(select(src.c.id).where(
                src.c.id == tid, Scope(self.actor()).tasks(src.c.id, src.c.leader))).first()
        return as_of, position, row, allowed

    @expose("/")
    def index(self):
        tid = request.args.get("id", "")
        as_of, position, row, allowed = self._load(tid)
        if row is None:
            return self.render("duban/message.html", title="督办事项时间线",
                               message=f"督办事项“{tid}”不存在{'（在该时点）' if as_of else ''}。"), 404
        if allowed is None:
            return self.forbid(f"督办事项“{tid}”不在您的查看范围内。", action="task_timeline")
        evs = self.svc.store.read_stream(f"task:{tid}", until_position=position)
        return self.render("duban/task_timeline.html", row=row, as_of=as_of, position=position,
                           entries=task_entries(evs, self.svc.tz),
                           buttons=task_buttons(self.actor(), row, timeline=False) if as_of is None else "",
                           light=light_badge(row.light), status=status_badge(row.status),
                           sources=TASK_SOURCES, cycles=FEEDBACK_CYCLES,
                           urged=any(e.type == "TaskUrged" for e in evs))

    @expose("/<kind>.pdf")
    def notice(self, kind: str):
        """The 督办通知单 or 催办单, for the staff pages' session (the API's takes a token)."""
        from flask import current_app

        from ..pdf.notices import DEFAULT_OFFICE, notice_html, render_pdf
        from ..workdays import light_settings

        if kind not in ("notice", "urge"):
            return self.render("duban/message.html", title="督办事项", message="没有这种通知单。"), 404
        tid = request.args.get("id", "")
        with reading(self.svc, None, written_position()) as (conn, position):
            try:
                n = task_views.notice(QueryView(self.svc, conn, self.actor(), position), tid, kind, None)
            except CommandError as exc:
                return self.render("duban/message.html", title="督办事项", message=exc.message), exc.status
        office = current_app.config.get("TASK_NOTICE_OFFICE") or DEFAULT_OFFICE
        data = render_pdf(notice_html(n, office, light_settings()[1]))
        return send_file(io.BytesIO(data), mimetype="application/pdf",
                         download_name=f"{'督办通知单' if kind == 'notice' else '催办单'}-{tid}.pdf")


# -- the appraisal --------------------------------------------------------------------------
class AppraisalView(SecuredView, BaseView):
    """督办考评: per lead unit, over the tasks assigned in a period."""

    roles = (ADMIN, DISPATCHER, LEADER, INSPECTOR)

    @expose("/")
    def index(self):
        today = self.svc.today()
        year = request.args.get("year", type=int) or today.year
        if not 2000 <= year <= 2100:
            year = today.year
        through = request.args.get("through") or None
        try:
            end = task_views.period_end(year, through, today)
            if end.year != year:
                raise ValueError
        except ValueError:
            end = task_views.period_end(year, None, today)
        with reading(self.svc, None, written_position()) as (conn, _position):
            figures = task_views.appraisal(conn, today, year, end)
            names = unit_names(conn)
        return self.render("duban/task_appraisal.html", f=figures, year=year, end=end, names=names,
                           percent=percent, sources=TASK_SOURCES, statuses=TASK_STATUSES,
                           lights=LIGHTS)


# -- the home page's task to-dos ---------------------------------------------------------------
def task_todos(conn, actor: Actor, today: date, todo_class, items: int = 6) -> list:
    """The actor's own tasks by light, red first then yellow, and what waits on them:
    not acknowledged, feedback due, deadline near, overdue (reminders as to-dos)."""
    src = task_views.rows_with_light(today).subquery("t")
    c = src.c
    mine = Scope(actor).tasks(c.id, c.leader)
    sections = [("督办事项：红灯（已逾期）", c.light == Light.RED, {"flt0_light": Light.RED}),
                ("督办事项：黄灯（临近时限、反馈逾期或未签收）", c.light == Light.YELLOW,
                 {"flt0_light": Light.YELLOW})]
    if actor.role == UNIT_REPORTER:
        sections.append(("待签收的督办事项", c.status == TaskStatus.ASSIGNED,
                         {"flt0_status": TaskStatus.ASSIGNED}))
    elif actor.role in (ADMIN, DISPATCHER):
        sections += [("待审核办结的督办事项", c.status == TaskStatus.AWAITING_ACCEPTANCE,
                      {"flt0_status": TaskStatus.AWAITING_ACCEPTANCE}),
                     ("待审批的延期申请", c.requested_deadline.is_not(None), {}),
                     ("被退回、待重新交办的事项", c.status == TaskStatus.RETURNED,
                      {"flt0_status": TaskStatus.RETURNED})]
    out = []
    for title, cond, args in sections:
        count = conn.execute(select(func.count()).select_from(src).where(mine, cond)).scalar() or 0
        todo = todo_class(title, count, more=url_for("tasks.index_view", **args))
        if count:
            rows = conn.execute(select(c.id, c.title, c.deadline, c.light).where(mine, cond)
                                .order_by(c.light_rank, c.deadline, c.id).limit(items)).fetchall()
            todo.items = [(url_for("task_timeline.index", id=r.id),
                           f"{r.id} {r.title[:24]}（时限 {r.deadline}）", light_badge(r.light))
                          for r in rows]
        out.append(todo)
    return out
