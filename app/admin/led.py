"""The public LED board (大厅公示屏): the latest published fast/slow list, and nothing else.

No login: it runs on a screen in the government hall. It shows only what the
FastSlowListPublished event recorded (the scheduler's proj_publicity row), never live figures,
so what the hall saw can be proved from the event log later.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("duban_led", __name__)


def latest_list(engine) -> dict[str, Any] | None:
    """The most recent month's published list, or None before the first publication."""
    try:
        from ..projections.jobs import publicity
    except ImportError:  # the scheduler's projection is not installed
        return None
    try:
        with engine.connect() as conn:
            row = conn.execute(select(publicity).order_by(publicity.c.period.desc())
                               .limit(1)).first()
    except SQLAlchemyError:  # tables not created yet: nothing has been published
        return None
    if row is None:
        return None
    return {"period": row.period, "published_on": row.published_on, "position": row.position,
            "fast": json.loads(row.fast), "slow": json.loads(row.slow),
            "basis": json.loads(row.basis)}


@bp.route("/led")
def board():
    from ..audit.checkpoints import checkpoint_line, latest_from

    engine = current_app.extensions["duban"].engine
    published = latest_list(engine)
    seconds = current_app.config.get("LED_ROTATE_SECONDS", 20)
    return render_template("duban/led.html", published=published, rotate=seconds,
                           checkpoint=checkpoint_line(latest_from(engine)))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
