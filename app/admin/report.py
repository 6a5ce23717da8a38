"""工作汇总报告: the report with its blanks filled for any year and cut-off day, each number a
link to the things it counts; the spreadsheet and the PDF of the same sentences."""
from __future__ import annotations

import io

from flask import request, send_file, url_for
from flask_admin import BaseView, expose
from markupsafe import Markup, escape

from ..views.reading import QueryView, reading
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..domain.errors import CommandError
from ..reports.printing import parse_period, summary_pdf
from ..reports.summary import BASIS, COUNTS, Report, figures, flatten
from ..reports.text import Blank, report_for
from .access import SecuredView, written_position
from .links import problem_timeline, project_timeline

# What the ids of a figure's items are, for their links.
_PROBLEMS = ("dispatch.problems_dispatched", "dispatch.problems_resolved")


def _item_link(figure: str, item: str) -> Markup:
    if figure in _PROBLEMS:
        return Markup('<a href="{}">{}</a>').format(problem_timeline(item), item)
    kind = _kind(figure)
    if kind == "project":
        return Markup('<a href="{}">{}</a>').format(project_timeline(item), item)
    return escape(item)


def _kind(figure: str) -> str:
    if figure.startswith(("dispatch.meetings", "inspections.")) or \
            figure.startswith("double_half.") or figure.startswith("forecast.") or \
            figure == "stats_entry.units_without_entry":
        return "other"
    return "project"


class ReportView(SecuredView, BaseView):
    """The report for a year through a month or a day (?year=&through=)."""

    roles = (ADMIN, DISPATCHER, LEADER, INSPECTOR)

    def _period(self):
        year = request.args.get("year", type=int)
        through = (request.args.get("through") or "").strip() or None
        return parse_period(year, through, self.svc.today())

    @expose("/")
    def index(self):
        error = None
        try:
            period = self._period()
        except CommandError as exc:
            error = "；".join(m for ms in (exc.fields or {}).values() for m in ms) or exc.message
            period = parse_period(None, None, self.svc.today())
        with reading(self.svc, None, written_position()) as (conn, _):
            title, sections = report_for(conn, period)
        args = {"year": period.year, "through": period.label}

        def render(sentence) -> Markup:
            out = Markup("")
            for part in sentence:
                if isinstance(part, Blank):
                    out += Markup('<a class="report-figure" data-figure="{}" href="{}"><b>{}</b></a>'
                                  ).format(part.figure, url_for(".items", figure=part.figure, **args),
                                           part.text)
                else:
                    out += escape(part)
            return out

        body = [(s.heading, [render(x) for x in s.sentences]) for s in sections]
        return self.render("duban/report.html", title=title, sections=body, period=period,
                           error=error, args=args)

    @expose("/items")
    def items(self):
        figure = request.args.get("figure", "")
        try:
            period = self._period()
        except CommandError as exc:
            return self.render("duban/message.html", title="工作汇总报告", message=exc.message)
        if figure not in COUNTS and figure not in BASIS:
            return self.render("duban/message.html", title="工作汇总报告",
                               message=f"没有名为“{figure}”的数字。")
        with reading(self.svc, None, written_position()) as (conn, _):
            report = Report(conn, period)
            value = flatten(figures(report)).get(figure)
            found = report.items(figure)
        links = [_item_link(figure, i) for i in found]
        return self.render("duban/report_items.html", figure=figure, value=value, items=links,
                           period=period, back=url_for(".index", year=period.year,
                                                       through=period.label))

    @expose("/published/")
    def published(self):
        from ..views.reports import published_list, published_report

        with reading(self.svc, None, written_position()) as (conn, _):
            view = QueryView(self.svc, conn, self.actor(), None)
            reports = [published_report(view, r["id"]) for r in published_list(view)]
        return self.render("duban/report_published.html", reports=reports)

    @expose("/summary.xlsx")
    def xlsx(self):
        from ..excel.exports import run_export

        period = self._period()
        out = io.BytesIO()
        run_export(self.svc, "summary", out, self.actor(), params={"through": period.label},
                   after=written_position())
        out.seek(0)
        return send_file(out, as_attachment=True, download_name=f"工作汇总报告-{period.label}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/summary.pdf")
    def pdf(self):
        period = self._period()
        data = summary_pdf(self.svc, self.actor(), period, after=written_position())
        return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=f"工作汇总报告-{period.label}.pdf")
