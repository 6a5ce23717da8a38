"""duban (督办): supervision of a district's major projects, on an event-sourced ledger."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

from . import failures
from .bootstrap import bootstrap
from .config import asof_settings, from_environment


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # INSTANCE_PATH: where the key file and the default database live (tests use a scratch one)
    app = failures.DubanFlask(__name__, instance_relative_config=True,
                              instance_path=(test_config or {}).get("INSTANCE_PATH"))
    app.config.update(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        from .auth.secret import instance_secret
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    app.json.ensure_ascii = False  # Chinese text as is

    from . import http_errors, limits
    limits.init_app(app)  # before any route: the body limits, the headers, the cookies
    http_errors.init_app(app)

    app.extensions["duban"] = bootstrap(app.config["DATABASE_URL"], app.config["TZ_NAME"],
                                        clock=app.config.get("CLOCK"),
                                        signing_key_file=app.config.get("AUDIT_SIGNING_KEY_FILE"),
                                        asof=asof_settings(app.config),
                                        read_url=app.config.get("DATABASE_READ_URL"),
                                        read_wait_ms=app.config["READ_REPLICA_WAIT_MS"])
    from .notify.channels import NotifySettings  # the scheduler's threads run without the app

    app.extensions["duban"].notify = NotifySettings.from_mapping(app.config)

    from . import api, cli

    api.init_app(app)
    cli.init_app(app)
    failures.init_app(app)
    from . import admin; admin.init_app(app)  # noqa: E702  the staff UI and the LED board

    return app
