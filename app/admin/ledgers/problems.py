"""The problem ledger (问题台账) and rectification tracking (整改跟踪)."""
from __future__ import annotations

from datetime import date

from flask import url_for
from markupsafe import Markup
from sqlalchemy import Select, func, or_, select

from ...domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER
from ...domain.statuses import ProblemStatus
from ...views import dispatch
from ...views import problems as problem_views
from ...views.scope import Scope
from ..ledger import AtLeast, AtMost, Equals, Flag, LedgerView, ReadContext, formatter, read_context
from ..links import problem_buttons, problem_timeline, project_timeline
from ..queries import leader_choices, matching_projects, matching_units, unit_choices
from ..vocab import (
    LEVELS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROBLEM_STATUSES,
    link,
    overdue_badge,
    percent,
    status_badge,
)


def overdue_days(row) -> int | None:
    if not row.overdue or not row.deadline:
        return None
    return (read_context().today - date.fromisoformat(row.deadline)).days


def _light(row) -> Markup:
    """The tasks' light rule on the problem's deadline (红黄绿灯), on the day the page is read for."""
    from ..tasks import light_badge

    return light_badge(problem_views.light(row, read_context().today))


def _short(text: str | None, width: int = 40) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[:width] + "…"


class ProblemLedgerView(LedgerView):
    """Every problem with its status, level, responsible unit, deadline and overdue standing."""

    pk = "id"
    default_order = ("id", True)
    export_name = "ledger"
    export_narrows = True
    # the light last: sort links address columns by their position
    column_list = ["actions", "id", "project_name", "category", "description", "source", "status",
                   "level", "responsible_unit_name", "leader", "deadline", "overdue", "raised_on",
                   "escalation_count", "urge_count", "light"]
    column_labels = {
        "actions": "操作", "light": "亮灯", "id": "编号", "project": "项目编码", "project_name": "所属项目",
        "category": "问题类别", "description": "问题描述", "source": "来源", "inspection": "督查编号",
        "status": "状态", "level": "调度级别", "responsible_unit": "责任单位编码",
        "responsible_unit_name": "责任单位", "responsible_person": "责任人", "leader": "分管领导",
        "decision": "调度意见", "deadline": "完成时限", "overdue": "逾期", "raised_on": "提出日期",
        "first_dispatched_on": "首次调度", "resolved_on": "销号日期", "days_to_resolve": "办结天数",
        "escalation_count": "提级次数", "urge_count": "催办次数", "extension_count": "延期次数",
    }
    column_searchable_list = ["id", "description", "project_name", "responsible_unit_name"]
    column_choices = {"category": list(PROBLEM_CATEGORIES.items()),
                      "source": list(PROBLEM_SOURCES.items()),
                      "status": list(PROBLEM_STATUSES.items()),
                      "level": list(LEVELS.items()),
                      "overdue": [(1, "是"), (0, "否")]}
    column_filters = [
        Equals("status", "状态", list(PROBLEM_STATUSES.items())),
        Equals("level", "调度级别", [(str(k), v) for k, v in LEVELS.items()], cast=int),
        Equals("responsible_unit", "责任单位", unit_choices, key="unit"),
        Equals("acting_unit", "承办单位（未交办的为提出单位）", unit_choices, key="acting"),
        Equals("leader", "分管领导", leader_choices),
        Equals("category", "问题类别", list(PROBLEM_CATEGORIES.items())),
        Equals("source", "来源", list(PROBLEM_SOURCES.items())),
        Flag("overdue", "逾期"),
        Equals("project", "项目编码"),
        Equals("inspection", "督查编号"),
        AtLeast("raised_on", "提出日期", key="raised_from", input_type="date"),
        AtMost("raised_on", "提出日期", key="raised_to", input_type="date"),
    ]
    column_formatters = {
        "actions": formatter(lambda r: problem_buttons(r)),
        "id": formatter(lambda r: link(problem_timeline(r.id), r.id)),
        "project_name": formatter(lambda r: link(project_timeline(r.project), r.project_name or r.project)
                                  if r.project else ""),
        "description": formatter(lambda r: Markup('<span title="{}">{}</span>').format(
            r.description, _short(r.description))),
        "status": formatter(lambda r: status_badge(r.status)),
        "overdue": formatter(lambda r: overdue_badge(overdue_days(r))),
        "light": formatter(lambda r: _light(r)),
        # column_choices shows a missing level as "None": a problem not yet dispatched
        "level": formatter(lambda r: LEVELS.get(r.level, "未调度")),
    }

    def scaffold_sortable_columns(self) -> dict[str, str]:
        # the light is worked out per shown row, not a column of the source
        return {c: c for c in super().scaffold_sortable_columns() if c != "light"}

    def source(self, ctx: ReadContext) -> Select:
        return problem_views.rows_with_names(ctx.today_iso)

    def search_condition(self, src, term: str):
        # names are looked up among the few projects and units, not per problem
        return or_(src.c.id.contains(term, autoescape=True),
                   src.c.description.contains(term, autoescape=True),
                   src.c.project.in_(matching_projects(term).scalar_subquery()),
                   src.c.responsible_unit.in_(matching_units(term).scalar_subquery()))

    def scope_condition(self, src):
        return Scope(self.actor()).problems(src.c.unit, src.c.responsible_unit, src.c.leader,
                                            src.c.project)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        q = select(func.count(), func.sum(src.c.overdue),
                   func.count(src.c.resolved_on)).where(*where)
        total, overdue, resolved = conn.execute(q).one()
        return Markup("共 <b>{}</b> 个问题，已销号 <b>{}</b> 个，逾期 <b>{}</b> 个（按 {} 计）。").format(
            total, resolved, overdue or 0, ctx.today_iso)


class RectificationView(LedgerView):
    """Problems found by inspections, per responsible unit: total, resolved, open, overdue, rate."""

    roles = (ADMIN, DISPATCHER, LEADER, INSPECTOR, UNIT_REPORTER)
    pk = "unit"
    default_order = ("total", True)
    export_name = "rectification"
    column_list = ["unit", "unit_name", "total", "resolved", "in_progress", "overdue", "rate"]
    column_labels = {"unit": "责任单位编码", "unit_name": "责任单位", "total": "整改问题",
                     "resolved": "已整改销号", "in_progress": "整改中", "overdue": "逾期未整改",
                     "rate": "整改率"}
    column_searchable_list = ["unit", "unit_name"]
    column_filters = [Equals("unit", "责任单位", unit_choices)]
    column_formatters = {
        "unit_name": formatter(lambda r: link(_problems_of(r.unit), r.unit_name or r.unit)),
        "rate": formatter(lambda r: percent(r.rate)),
        "overdue": formatter(lambda r: Markup('<span class="text-danger font-weight-bold">{}</span>')
                             .format(r.overdue) if r.overdue else 0),
    }

    def source(self, ctx: ReadContext) -> Select:
        rows = dispatch.rectification(ctx.today_iso).subquery("rect")
        # the key of a row: the problems no unit must act on yet have one too
        return select(func.coalesce(rows.c.unit, dispatch.NO_UNIT).label("unit"),
                      rows.c.name.label("unit_name"), rows.c.total, rows.c.resolved,
                      rows.c.in_progress, rows.c.overdue, rows.c.rate)

    def scope_condition(self, src):
        return Scope(self.actor()).units(src.c.unit)

    def banner(self, conn, src, where, ctx: ReadContext) -> Markup:
        q = select(func.sum(src.c.total), func.sum(src.c.resolved),
                   func.sum(src.c.overdue)).where(*where)
        total, resolved, overdue = conn.execute(q).one()
        rate = (resolved or 0) / total if total else None
        return Markup("督查发现问题 <b>{}</b> 个，已整改销号 <b>{}</b> 个（整改率 <b>{}</b>），"
                      "逾期未整改 <b>{}</b> 个。").format(total or 0, resolved or 0,
                                                   percent(rate) or "—", overdue or 0)


def _problems_of(unit: str) -> str:
    """The findings a rectification row counts: by the unit that must act now (before dispatch,
    the raising unit), or, for the row of none, those not yet dispatched."""
    if unit == dispatch.NO_UNIT:
        return url_for("problems.index_view", flt0_source="inspection", flt1_status=ProblemStatus.RAISED)
    return url_for("problems.index_view", flt0_acting=unit, flt1_source="inspection")
