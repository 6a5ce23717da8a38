"""GET /api/v1/tasks/{id}/notice.pdf (督办通知单) and /tasks/{id}/urge-notice.pdf (催办单).

Both take ``as_of``; the urge notice takes ``number`` (the 文号) to reprint an earlier urge, else
it is the latest one.
"""
from __future__ import annotations

import io

from flask import Blueprint, current_app, request, send_file
from marshmallow import fields
from sqlalchemy import select

from ..domain.errors import NotFound
from ..domain.vocab import TASK_STATUSES, stream
from ..pdf.notices import DEFAULT_OFFICE, Notice, notice_html, render_pdf
from ..projections.units import units
from ..workdays import light_settings
from .blueprint import current_actor, services
from .queries import AsOfArgs, QueryView, parse_args, reading
from .task_queries import one_task

NOTICE_PATHS = [("/tasks/{id}/notice.pdf", "督办通知单（PDF，带文号）"),
                ("/tasks/{id}/urge-notice.pdf", "催办单（PDF，带文号；number 指定文号，默认最近一次）")]


class NoticeArgs(AsOfArgs):
    number = fields.String(load_default=None)


def _notice(view: QueryView, task_id: str, kind: str, number: str | None) -> Notice:
    row = one_task(view, task_id)
    names = dict(view.conn.execute(select(units.c.code, units.c.name)).all())
    label = lambda code: f"{names[code]}（{code}）" if code in names else code  # noqa: E731
    evs = view.services.store.read_stream(stream("task", task_id), until_position=view.position)
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


def _pdf(task_id: str, kind: str):
    actor = current_actor()
    args = parse_args(NoticeArgs, dict(request.args))
    svc = services()
    with reading(svc, args["as_of"]) as (conn, position):
        notice = _notice(QueryView(svc, conn, actor, position, args["as_of"]), task_id, kind,
                         args["number"] if kind == "urge" else None)
    office = current_app.config.get("TASK_NOTICE_OFFICE") or DEFAULT_OFFICE
    data = render_pdf(notice_html(notice, office, light_settings()[1]))
    title = "督办通知单" if kind == "notice" else "催办单"
    return send_file(io.BytesIO(data), mimetype="application/pdf",
                     download_name=f"{title}-{task_id}.pdf")


def task_notice(id: str):
    return _pdf(id, "notice")


def task_urge_notice(id: str):
    return _pdf(id, "urge")


def register_notice_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/tasks/<id>/notice.pdf", view_func=task_notice, methods=["GET"])
    bp.add_url_rule("/tasks/<id>/urge-notice.pdf", view_func=task_urge_notice, methods=["GET"])
