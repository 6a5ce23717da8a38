"""The staff UI (Flask-Admin, in Chinese) and the public LED board.

``init_app`` wires Flask-Babel (zh_CN, so Flask-Admin's own texts are Chinese), Flask-Login,
Flask-WTF's CSRF protection for the UI's forms, and the Admin with one view per screen.
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import auth, led, links, vocab
from .audit import AuditView
from .commands import CommandView, menu_commands
from .home import HomeView
from .jobs import JobsView
from .ledgers.funding import FundingLedgerView
from .ledgers.problems import ProblemLedgerView, RectificationView
from .ledgers.projects import ProjectLedgerView, ReserveView
from .ledgers.stats import DispatchStatsView, DoubleHalfView
from .ledgers.users import UserListView
from .tasks import AppraisalView, TaskLedgerView, TaskTimelineView
from .oversight import BulletinLedger, InspectionLedger, MeetingLedger, StatsEntryLedger
from .publicity import PublicityView
from .report import ReportView
from .spreadsheets import SpreadsheetView
from .timelines import ProblemTimelineView, ProjectTimelineView

LEDGERS = "台账"
ACTIONS = "办理"


class CommandLink(MenuLink):
    """A menu entry for a command form, shown only to roles that may issue the command."""

    def __init__(self, name: str, command: str, category: str) -> None:
        super().__init__(name, endpoint="commands.form", category=category)
        self.command = command

    def get_url(self) -> str:
        return url_for("commands.form", command=self.command)

    def is_accessible(self) -> bool:
        return links.can(self.command)


def _babel(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TZ_NAME", "Asia/Shanghai"))
    if "babel" not in app.extensions:
        Babel(app)


def _csrf(app: Flask) -> None:
    # Checked by the UI's own views (access.SecuredView, the login blueprint), not app-wide:
    # the JSON API authenticates with bearer tokens and sends no cookie to forge.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError):
        return render_template("duban/csrf_error.html"), 400


def init_app(app: Flask) -> Admin:
    _babel(app)
    _csrf(app)
    auth.init_app(app)
    app.register_blueprint(Blueprint("duban_admin", __name__, template_folder="templates",
                                     static_folder="static", static_url_path="/duban-static"))
    app.context_processor(lambda: {"duban_tz": app.extensions["duban"].tz, "vocab": vocab})
    led.init_app(app)

    admin = Admin(app, name="重大项目督办", url="/admin",
                  index_view=HomeView(name="首页", endpoint="admin", url="/admin"),
                  theme=Bootstrap4Theme(base_template="duban/base.html", fluid=True),
                  # Flask-Admin's inline scripts carry the page's nonce (limits/headers.py: CSP)
                  csp_nonce_generator=lambda: app.jinja_env.globals["csp_nonce"]())
    admin.add_view(ProjectLedgerView("重大项目台账", "projects", category=LEDGERS))
    admin.add_view(ProblemLedgerView("问题台账", "problems", category=LEDGERS))
    admin.add_view(RectificationView("整改跟踪", "rectification", category=LEDGERS))
    admin.add_view(DispatchStatsView("调度统计", "dispatch_stats", category=LEDGERS))
    admin.add_view(DoubleHalfView("双过半", "double_half", category=LEDGERS))
    admin.add_view(ReserveView("项目储备库", "reserve", category=LEDGERS))
    admin.add_view(TaskLedgerView("督办台账", "tasks", category=LEDGERS))
    admin.add_view(AppraisalView(name="督办考评", endpoint="task_appraisal", url="task-appraisal",
                                 category=LEDGERS))
    admin.add_view(TaskTimelineView(name="督办事项时间线", endpoint="task_timeline", url="task-timeline"))
    admin.add_view(FundingLedgerView("项目资金台账", "funding", category=LEDGERS))
    admin.add_view(StatsEntryLedger(name="项目入库", endpoint="stats_entries", url="stats-entries",
                                    category=LEDGERS))
    admin.add_view(MeetingLedger(name="调度会议", endpoint="meetings", url="meetings",
                                 category=LEDGERS))
    admin.add_view(InspectionLedger(name="督查记录", endpoint="inspections", url="inspections",
                                    category=LEDGERS))
    admin.add_view(BulletinLedger(name="督查通报", endpoint="bulletins", url="bulletins",
                                  category=LEDGERS))
    admin.add_view(ReportView(name="工作汇总报告", endpoint="report", url="report", category=LEDGERS))
    admin.add_view(SpreadsheetView(name="导入导出", endpoint="spreadsheets", url="spreadsheets"))
    admin.add_view(PublicityView(name="快慢榜公示", endpoint="publicity", url="publicity",
                                 category=LEDGERS))
    admin.add_view(CommandView(name="办理", endpoint="commands", url="commands"))
    admin.add_view(ProblemTimelineView(name="问题时间线", endpoint="problem_timeline",
                                       url="problem-timeline"))
    admin.add_view(ProjectTimelineView(name="项目时间线", endpoint="project_timeline",
                                       url="project-timeline"))
    admin.add_view(AuditView(name="审计", endpoint="audit", url="audit"))
    from .files import FilesView
    from .inbox import InboxView, unread_for_navbar

    admin.add_view(FilesView(name="附件", endpoint="files", url="files"))
    admin.add_view(InboxView(name="通知", endpoint="inbox", url="inbox"))
    from .contact import ContactView

    admin.add_view(ContactView(name="通知设置", endpoint="contact", url="contact"))
    app.context_processor(unread_for_navbar)
    admin.add_view(UserListView("用户", "users", category="系统"))
    admin.add_view(JobsView(name="定时任务", endpoint="jobs", url="jobs", category="系统"))
    for label, command in menu_commands():
        admin.add_link(CommandLink(label, command, ACTIONS))
    return admin
