"""GET /api/v1/exports/summary.pdf?year=&through=&as_of=: the report as a PDF."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, request, send_file
from marshmallow import fields, validate

from ..reports.printing import parse_period, summary_pdf
from .blueprint import current_actor, services
from .queries import AsOfArgs, parse_args, written_position


class PdfArgs(AsOfArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    through = fields.String(load_default=None)


def summary_pdf_download():
    actor = current_actor()
    args = parse_args(PdfArgs, dict(request.args))
    svc = services()
    today = (args["as_of"].astimezone(svc.tz).date() if args["as_of"] else svc.today())
    period = parse_period(args["year"], args["through"], today)
    data = summary_pdf(svc, actor, period, args["as_of"], current_app.config.get("EXCEL_ORG_NAME"),
                       written_position())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"工作汇总报告-{period.label}.pdf")


def register_report_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/exports/summary.pdf", view_func=summary_pdf_download, methods=["GET"])
