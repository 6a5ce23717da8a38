"""duban (督办): supervision of a district's major projects, on an event-sourced ledger."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

from .bootstrap import bootstrap
from .config import from_environment


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.json.ensure_ascii = False  # Chinese text as is

    from . import http_errors, limits
    limits.init_app(app)  # before any route: the body limits, the headers, the cookies
    http_errors.init_app(app)

    app.extensions["duban"] = bootstrap(app.config["DATABASE_URL"], app.config["TZ_NAME"],
                                        clock=app.config.get("CLOCK"))

    from . import api, cli

    api.init_app(app)
    cli.init_app(app)
    from . import admin; admin.init_app(app)  # noqa: E702  the staff UI and the LED board

    return app
