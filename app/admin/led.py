"""The public LED board (大厅公示屏): the latest published fast/slow list, and nothing else.

No login: it runs on a screen in the government hall. It shows only what the
FastSlowListPublished event recorded (the scheduler's proj_publicity row), never live figures,
so what the hall saw can be proved from the event log later.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from ..failures import classify, failure_log
from ..projections.jobs import publicity

bp = Blueprint("duban_led", __name__)


class Unreadable(Exception):
    """The published list could not be read (the database is down): not the same as none."""


def latest_list(engine) -> dict[str, Any] | None:
    """The list published last (a re-publication of an earlier month included), or None."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(publicity.name):
                return None  # a database not yet set up: nothing has been published
            row = conn.execute(select(publicity).order_by(publicity.c.position.desc())
                               .limit(1)).first()
    except SQLAlchemyError as exc:
        if classify(exc) is None:
            raise
        failure_log.record("unavailable", exc, "GET /led")
        raise Unreadable() from exc
    if row is None:
        return None
    return {"period": row.period, "published_on": row.published_on, "position": row.position,
            "fast": json.loads(row.fast), "slow": json.loads(row.slow),
            "basis": json.loads(row.basis)}


# The list this process last showed, per database: while the database cannot be read the hall
# keeps seeing it, marked as not updated, rather than a false "nothing published".
_last_shown: dict[str, dict[str, Any] | None] = {}


@bp.route("/led")
def board():
    from ..audit.checkpoints import checkpoint_line, latest_from

    engine = current_app.extensions["duban"].engine
    key = str(engine.url)
    stale = False
    try:
        published = _last_shown[key] = latest_list(engine)
    except Unreadable:
        stale = True
        published = _last_shown.get(key)
    try:
        checkpoint = checkpoint_line(latest_from(engine))
    except SQLAlchemyError as exc:
        if classify(exc) is None:
            raise
        checkpoint = None
    seconds = current_app.config.get("LED_ROTATE_SECONDS", 20)
    return render_template("duban/led.html", published=published, rotate=seconds, stale=stale,
                           checkpoint=checkpoint)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
