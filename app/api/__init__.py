"""The JSON API under /api/v1."""
from __future__ import annotations

from flask import Flask

from .blueprint import create_blueprint
from .commands import register_command_routes
from .excel_routes import register_excel_routes
from .notice_routes import register_notice_routes
from .queries import register_query_routes
from .report_routes import register_report_routes
from .routes import register_routes
from ..files.routes import register_attachment_routes
from ..notify.routes import register_notification_routes


def init_app(app: Flask) -> None:
    bp = create_blueprint()
    register_routes(bp)
    register_command_routes(bp, app.extensions["duban"].commands)
    register_query_routes(bp)
    register_excel_routes(bp)
    from .audit_queries import register_audit_routes

    register_audit_routes(bp)
    register_attachment_routes(bp)
    register_notification_routes(bp)
    register_notice_routes(bp)
    register_report_routes(bp)
    app.register_blueprint(bp)
