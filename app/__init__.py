"""duban (督办): supervision of a district's major projects, on an event-sourced ledger."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request

from .bootstrap import bootstrap
from .config import from_environment


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.json.ensure_ascii = False  # Chinese text as is

    app.extensions["duban"] = bootstrap(app.config["DATABASE_URL"], app.config["TZ_NAME"],
                                        clock=app.config.get("CLOCK"))
    from .notify.channels import NotifySettings  # the scheduler's threads run without the app

    app.extensions["duban"].notify = NotifySettings.from_mapping(app.config)

    from . import api, cli

    api.init_app(app)
    cli.init_app(app)
    from . import admin; admin.init_app(app)  # noqa: E702  the staff UI and the LED board

    @app.errorhandler(404)
    def _not_found(exc):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "not_found", "message": "请求的资源不存在。"}}), 404
        return exc

    @app.errorhandler(405)
    def _bad_method(exc):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "method_not_allowed",
                                      "message": "不支持该请求方法。"}}), 405
        return exc

    return app
