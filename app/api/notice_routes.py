"""GET /api/v1/tasks/{id}/notice.pdf (督办通知单) and /tasks/{id}/urge-notice.pdf (催办单).

Both take ``as_of``; the urge notice takes ``number`` (the 文号) to reprint an earlier urge, else
it is the latest one.
"""
from __future__ import annotations

import io

from flask import Blueprint, current_app, request, send_file
from marshmallow import fields

from ..pdf.notices import DEFAULT_OFFICE, notice_html, render_pdf
from ..views import tasks
from ..workdays import light_settings
from .blueprint import current_actor, services
from .queries import AsOfArgs, QueryView, parse_args, read, written_position

NOTICE_PATHS = [("/tasks/{id}/notice.pdf", "督办通知单（PDF，带文号）"),
                ("/tasks/{id}/urge-notice.pdf", "催办单（PDF，带文号；number 指定文号，默认最近一次）")]


class NoticeArgs(AsOfArgs):
    number = fields.String(load_default=None)


def _pdf(task_id: str, kind: str):
    actor = current_actor()
    args = parse_args(NoticeArgs, dict(request.args))
    svc = services()
    notice = read(svc, args["as_of"], written_position(), lambda conn, position: tasks.notice(
        QueryView(svc, conn, actor, position, args["as_of"]), task_id, kind,
        args["number"] if kind == "urge" else None))
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
