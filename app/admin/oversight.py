"""The oversight ledgers on the staff pages: 调度会议 (dispatch meetings), 督查记录 (inspections and
what each found), 督查通报 (bulletins, each printable) and 项目入库 (statistics entries).

Each reads the same view functions as the API and the exports (``app/views``), through the same
scope: a unit reporter sees the records that concern its unit. The download button gives the
government-format workbook of ``/api/v1/exports``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

from flask import current_app, send_file, url_for
from flask_admin import BaseView, expose

from ..domain.errors import CommandError
from ..domain.vocab import INSPECTION_KINDS, LEVELS, PROJECT_CATEGORIES, PROJECT_STAGES
from ..reports.summary import stats_threshold
from ..views import oversight, projects
from ..views.units import unit_names
from .access import SecuredView
from .links import problem_timeline, project_timeline


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[dict], object]  # a text, or a list of (text, url): several links
    link: Callable[[dict], str | None] | None = None  # a cell that opens another page
    wide: bool = False


class OversightLedger(SecuredView, BaseView):
    """One read-only table of oversight records: ``rows(conn, scope)`` gives them."""

    title = ""
    export = ""  # the export's name in app/excel/exports.py
    note = ""

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self, conn, scope) -> list[dict]:
        raise NotImplementedError

    @expose("/")
    def index(self):
        scope = self.scope()
        with self.svc.engine.connect() as conn:
            self.names = unit_names(conn)
            rows = self.rows(conn, scope)
        cells = [[(c.value(r), c.link(r) if c.link else None) for c in self.columns()] for r in rows]
        return self.render("duban/oversight.html", title=self.title, note=self.note,
                           columns=self.columns(), cells=cells,
                           export=url_for("spreadsheets.export", export=self.export))

    def unit(self, code: str | None) -> str:
        return self.names.get(code, code) if code else ""


class MeetingLedger(OversightLedger):
    title, export = "调度会议台账", "meetings"
    note = "每次调度会的级别、日期、主持人、议题和参会人员，以及在会上作出调度决定的问题数。"

    def columns(self) -> list[Column]:
        return [Column("编号", lambda r: r["id"]), Column("调度级别", lambda r: LEVELS.get(r["level"], "")),
                Column("会议日期", lambda r: r["date"]), Column("主持人", lambda r: r["chair"]),
                Column("会议议题", lambda r: r["topic"], wide=True),
                Column("参会人员", lambda r: "、".join(r["attendees"])),
                Column("调度问题（个）", lambda r: r["problems"])]

    def rows(self, conn, scope) -> list[dict]:
        counts = oversight.problems_per_meeting(conn)
        return [{**m, "problems": counts.get(m["id"], 0)} for m in oversight.meetings(conn, scope)]


class InspectionLedger(OversightLedger):
    title, export = "纪检督查记录", "inspections"
    note = "每次督查的类型、日期、人员、对象和情况，以及发现并登记的问题（点击问题编号查看其时间线）。"

    def columns(self) -> list[Column]:
        return [Column("督查编号", lambda r: r["id"]),
                Column("督查类型", lambda r: INSPECTION_KINDS.get(r["kind"], r["kind"])),
                Column("督查日期", lambda r: r["date"]), Column("督查人员", lambda r: "、".join(r["inspectors"])),
                Column("督查对象", lambda r: "、".join(self.unit(u) for u in r["targets"])),
                Column("督查情况", lambda r: r["summary"], wide=True),
                Column("发现问题", lambda r: problem_links(r["found"]))]

    def rows(self, conn, scope) -> list[dict]:
        found = oversight.problems_found(conn, scope)
        return [{**i, "found": found.get(i["id"], [])} for i in oversight.inspections(conn, scope)]


class BulletinLedger(OversightLedger):
    title, export = "督查通报", "inspections"
    note = "已发布的督查通报及其所涉督查；“打印”生成带有最新签名检查点的通报 PDF。"

    def columns(self) -> list[Column]:
        return [Column("通报文号", lambda r: r["number"]), Column("通报标题", lambda r: r["title"], wide=True),
                Column("通报日期", lambda r: r["date"]), Column("所涉督查", lambda r: "、".join(r["inspections"])),
                Column("打印", lambda r: "打印 PDF",
                       link=lambda r: url_for(".pdf", number=r["number"]))]

    def rows(self, conn, scope) -> list[dict]:
        return oversight.bulletins(conn, scope)

    @expose("/pdf")
    def pdf(self):
        return printed_bulletin(self)


class StatsEntryLedger(OversightLedger):
    title, export = "项目入库台账", "stats-entries"
    note = "纳入统计库的项目，按入库日期排列。"

    def columns(self) -> list[Column]:
        threshold = stats_threshold()
        return [Column("入库日期", lambda r: r["stats_entry_on"]),
                Column("项目编码", lambda r: r["code"], link=lambda r: project_timeline(r["code"])),
                Column("项目名称", lambda r: r["name"], wide=True),
                Column("项目类别", lambda r: PROJECT_CATEGORIES.get(r["category"], r["category"])),
                Column("项目阶段", lambda r: PROJECT_STAGES.get(r["stage"], r["stage"])),
                Column("责任单位", lambda r: self.unit(r["responsible_unit"])),
                Column("总投资（万元）", lambda r: f"{r['total_investment']:,.2f}"),
                Column(f"总投资{threshold:g}万以上", lambda r: "是" if r["total_investment"] >= threshold
                       else "否")]

    def rows(self, conn, scope) -> list[dict]:
        return [dict(r._mapping) for r in conn.execute(projects.entered(scope))]


def problem_links(ids: list[str]) -> list[tuple[str, str]]:
    """Problem ids, each with the link to its timeline (a cell of several links)."""
    return [(i, problem_timeline(i)) for i in ids]


def printed_bulletin(view):
    """The 督查通报 named by ``?number=`` as its PDF, for a staff page's session (the same paper as
    ``/api/v1/bulletins/{number}/bulletin.pdf``); a refusal as a Chinese page."""
    from flask import request

    from ..pdf.bulletin import print_bulletin

    number = request.args.get("number", "")
    with view.svc.engine.connect() as conn:
        try:
            data = print_bulletin(view.svc, conn, None, view.actor(), number,
                                  current_app.config.get("TASK_NOTICE_OFFICE"))
        except CommandError as exc:
            return view.render("duban/message.html", title="督查通报",
                               message=exc.message), exc.status
    return send_file(io.BytesIO(data), mimetype="application/pdf",
                     download_name=f"督查通报-{number.replace('/', '-')}.pdf")
