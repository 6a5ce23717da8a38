"""A problem's and a project's timeline: every event of its stream, in order, with who, when
(business date and recorded instant), the level, the decision text and what changed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import flash, request
from flask_admin import BaseView, expose
from sqlalchemy import select

from ..domain.actors import ROLE_NAMES
from ..domain.statuses import ProblemStatus
from ..events.model import RecordedEvent
from ..projections.problems import problems
from ..views.problems import rows_with_names as problem_rows
from ..views.projects import rows_with_figures as project_rows
from ..views.reading import reading
from ..views.scope import Scope
from .access import SecuredView, written_position
from .ledger import parse_as_of
from .links import problem_buttons, problem_timeline, project_buttons
from .queries import asked_period
from .vocab import LEVELS, PROBLEM_STATUSES, PROJECT_STAGES, event_name, local_instant, money

# What each field is called when a change to it is shown.
PROBLEM_FIELDS = {"status": "状态", "level": "调度级别", "responsible_unit": "责任单位",
                  "responsible_person": "责任人", "leader": "分管领导", "deadline": "完成时限",
                  "overdue": "逾期"}
PROBLEM_STATUS_AFTER = {"ProblemRaised": ProblemStatus.RAISED,
                        "ProblemDispatched": ProblemStatus.IN_PROGRESS,
                        "ResolutionReported": ProblemStatus.AWAITING_VERIFICATION,
                        "ResolutionVerified": ProblemStatus.RESOLVED,
                        "ResolutionRejected": ProblemStatus.IN_PROGRESS,
                        "ProblemReopened": ProblemStatus.IN_PROGRESS,
                        "ProblemWithdrawn": ProblemStatus.WITHDRAWN}
# The words of an event worth reading in the timeline, by payload key, first found wins.
TEXT_KEYS = ("decision", "description", "note", "reason", "image_progress", "summary", "topic")


@dataclass
class Entry:
    event: RecordedEvent
    name: str
    actor: str
    business_date: str
    recorded: str
    level: str = ""
    text: str = ""
    changes: list[str] = field(default_factory=list)
    # the files the event names, each with what its upload said of itself (photo time, place)
    files: list[dict] = field(default_factory=list)


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "（无）"
    if key == "status":
        return PROBLEM_STATUSES.get(value, value)
    if key == "level":
        return LEVELS.get(value, str(value))
    if key == "stage":
        return PROJECT_STAGES.get(value, value)
    return str(value)


def _diff(before: dict, after: dict, labels: dict[str, str]) -> list[str]:
    return [f"{labels[k]}：{_shown(k, before.get(k))} → {_shown(k, after.get(k))}"
            for k in labels if before.get(k) != after.get(k)]


def entry(ev: RecordedEvent, tz) -> Entry:
    """One event as a timeline shows it: who, when, its text and its files."""
    meta = ev.meta
    who = meta.get("actor") or ""
    role = ROLE_NAMES.get(meta.get("role"), meta.get("role") or "")
    unit = meta.get("unit")
    text = next((str(ev.data[k]) for k in TEXT_KEYS if ev.data.get(k)), "")
    return Entry(ev, event_name(ev.type), f"{who}（{role}{'·' + unit if unit else ''}）",
                 ev.business_date or "", local_instant(ev.recorded_at, tz), text=text,
                 files=[dict(f) for f in ev.data.get("attachments") or ()])


def with_photo_facts(engine, entries: list[Entry]) -> list[Entry]:
    """Beside each image: when and where the photo says it was taken (EXIF)."""
    from ..files.kinds import is_image
    from ..files.service import photo_facts_of

    hashes = sorted({f["sha256"] for e in entries for f in e.files})
    if not hashes:
        return entries
    with engine.connect() as conn:
        facts = photo_facts_of(conn, hashes)
    for e in entries:
        for f in e.files:
            f["is_image"] = is_image(f["content_type"])
            f.update(facts.get(f["sha256"], {}))
    return entries


def problem_entries(evs: list[RecordedEvent], tz) -> list[Entry]:
    state: dict[str, Any] = {}
    out = []
    for ev in evs:
        d = ev.data
        after = dict(state)
        if ev.type in PROBLEM_STATUS_AFTER:
            after["status"] = PROBLEM_STATUS_AFTER[ev.type]
        if ev.type == "ProblemRaised":
            after["responsible_unit"] = d.get("unit")
        elif ev.type == "ProblemDispatched":
            after.update(level=d["level"], responsible_unit=d["responsible_unit"],
                         responsible_person=d.get("responsible_person"), leader=d.get("leader"),
                         deadline=d["deadline"], overdue=None)
        elif ev.type == "ProblemEscalated":
            after["level"] = d["to_level"]
        elif ev.type == "DeadlineExtended":
            after.update(deadline=d["deadline"], overdue=None)
        elif ev.type == "ProblemOverdue":
            after["overdue"] = f"已逾期（时限 {d['deadline']}）"
        shown = entry(ev, tz)
        shown.changes = _diff(state, after, PROBLEM_FIELDS) if ev.type != "ProblemRaised" else \
            [f"状态：{_shown('status', 'raised')}"]
        shown.level = LEVELS.get(after.get("level"), "") if after.get("level") else ""
        state = after
        out.append(shown)
    return out


def project_entries(evs: list[RecordedEvent], tz) -> list[Entry]:
    plans: dict[int, float] = {}
    months: dict[str, float] = {}
    out = []
    for ev in evs:
        d = ev.data
        shown = entry(ev, tz)
        if ev.type == "ProjectRegistered":
            shown.changes = [f"阶段：{_shown('stage', d['stage'])}", f"总投资：{money(d['total_investment'])} 万元",
                             f"联系领导：{_shown('leader', d.get('leader'))}"]
            shown.text = d["name"]
        elif ev.type == "AnnualPlanSet":
            old = plans.get(d["year"])
            plans[d["year"]] = d["planned_investment"]
            shown.changes = [f"{d['year']} 年计划投资：{money(old) or '（无）'} → "
                             f"{money(d['planned_investment'])} 万元"]
        elif ev.type == "LeaderAssigned":
            shown.changes = [f"联系领导：{_shown('leader', d.get('previous'))} → {d['leader']}"]
        elif ev.type == "StageChanged":
            shown.changes = [f"阶段：{_shown('stage', d['previous'])} → {_shown('stage', d['stage'])}"]
        elif ev.type == "ProgressSubmitted":
            old = months.get(d["period"])
            months[d["period"]] = d["month_investment"]
            kind = f"更正（第 {d['corrects']} 次）" if d.get("corrects") else "首次填报"
            shown.changes = [f"{d['period']} 本月完成投资：{money(old) or '（无）'} → "
                             f"{money(d['month_investment'])} 万元（{kind}）"]
            if d.get("reason"):
                shown.changes.append(f"更正原因：{d['reason']}")
        elif ev.type == "StatsEntryRecorded":
            shown.changes = [f"入统计库：{ev.business_date}"]
        out.append(shown)
    return out


class _TimelineView(SecuredView, BaseView):
    kind = ""
    key = ""

    def is_visible(self) -> bool:
        return False  # opened from a ledger row or a link, never from the menu

    def _as_of(self):
        try:
            return parse_as_of(request.args.get("as_of"))
        except ValueError:
            flash("“时点”格式不正确，已显示当前情况。", "error")
            return None

    def _render(self, subject_key: str, row, entries: list[Entry], position, as_of, **extra):
        return self.render("duban/timeline.html", kind=self.kind, subject_key=subject_key,
                           row=row, entries=with_photo_facts(self.svc.engine, entries), as_of=as_of, position=position, **extra)


class ProblemTimelineView(_TimelineView):
    kind = "problem"

    @expose("/")
    def index(self):
        pid = request.args.get("id", "")
        as_of = self._as_of()
        day = as_of.astimezone(self.svc.tz).date() if as_of else self.svc.today()
        with reading(self.svc, as_of, written_position()) as (conn, position):
            src = problem_rows(day.isoformat()).subquery()
            scope = Scope(self.actor()).problems(src.c.unit, src.c.responsible_unit,
                                                 src.c.leader, src.c.project)
            row = conn.execute(select(src).where(src.c.id == pid)).first()
            allowed = conn.execute(select(src.c.id).where(src.c.id == pid, scope)).first()
        if row is None:
            return self.render("duban/message.html", title="问题时间线",
                               message=f"问题“{pid}”不存在{'（在该时点）' if as_of else ''}。"), 404
        if allowed is None:
            return self.forbid(f"问题“{pid}”不在您的查看范围内。", action="problem_timeline")
        evs = self.svc.store.read_stream(f"problem:{pid}", until_position=position)
        buttons = problem_buttons(row, timeline=False) if as_of is None else ""
        return self._render(pid, row, problem_entries(evs, self.svc.tz), position, as_of,
                            buttons=buttons)


class ProjectTimelineView(_TimelineView):
    kind = "project"

    @expose("/")
    def index(self):
        code = request.args.get("code", "")
        as_of = self._as_of()
        today = as_of.astimezone(self.svc.tz).date() if as_of else self.svc.today()
        with reading(self.svc, as_of, written_position()) as (conn, position):
            # the year the project ledger counts (the data's year when this one has no plans)
            year, through = asked_period(conn, today, request.args.get("year", type=int),
                                         request.args.get("through"))
            src = project_rows(year, through).subquery()
            scope = Scope(self.actor()).projects(src.c.owner_unit, src.c.responsible_unit,
                                                 src.c.leader)
            row = conn.execute(select(src).where(src.c.code == code)).first()
            allowed = conn.execute(select(src.c.code).where(src.c.code == code, scope)).first()
            related = conn.execute(select(problems.c.id, problems.c.status, problems.c.description)
                                   .where(problems.c.project == code)
                                   .order_by(problems.c.id)).fetchall()
        if row is None:
            return self.render("duban/message.html", title="项目时间线",
                               message=f"项目“{code}”不存在{'（在该时点）' if as_of else ''}。"), 404
        if allowed is None:
            return self.forbid(f"项目“{code}”不在您的查看范围内。", action="project_timeline")
        evs = self.svc.store.read_stream(f"project:{code}", until_position=position)
        buttons = project_buttons(code, timeline=False) if as_of is None else ""
        return self._render(code, row, project_entries(evs, self.svc.tz), position, as_of,
                            buttons=buttons, related=related, problem_url=problem_timeline,
                            year=year, through=through)
