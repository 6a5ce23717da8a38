"""快慢榜公示: a dispatcher previews the fast/slow list of a chosen month and publishes it (or
publishes it again, a new fact) for the LED board, through the same command as the API
(``publish_publicity``). The preview ranks the ledger as it stands, by the rule the command
applies, so what is previewed is what would be published now."""
from __future__ import annotations

import json
import re
import uuid

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select

from ..commands.jobs import previous_period, rank_fast_slow
from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import CommandError
from ..projections.jobs import publicity
from ..scheduler.settings import settings_for
from ..views.projects import plan_progress
from ..views.units import unit_names
from .access import SecuredView, remember_write

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class PublicityView(SecuredView, BaseView):
    roles = (ADMIN, DISPATCHER)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        today = self.svc.today()
        period = request.values.get("period") or previous_period(today)
        settings = settings_for()
        errors: list[str] = []
        points = {}
        for name, default in (("fast_points", settings.fast_points),
                              ("slow_points", settings.slow_points)):
            raw = request.values.get(name)
            points[name] = raw if raw not in (None, "") else f"{default:g}"
        if request.method == "POST":
            body = {"period": period, "date": today.isoformat(), **points}
            try:
                result = self.svc.bus.execute("publish_publicity", body, self.actor(),
                                              command_id=request.form.get("command_id") or None)
            except CommandError as exc:
                errors = [exc.message] + [m for ms in (exc.fields or {}).values() for m in ms]
            else:
                remember_write(result)
                flash(f"已发布 {period} 的快慢榜公示（第 {result['version']} 次），大厅公示屏即显示此次发布的名单。",
                      "success")
                return redirect(url_for(".index", period=period))
        preview = None
        if _MONTH.match(period) and period <= f"{today:%Y-%m}":
            preview = self._preview(period, points)
        elif not errors:
            errors = [f"月份“{period}”无效：应为 YYYY-MM，且不晚于本月。"]
        with self.svc.engine.connect() as conn:
            published = [{"period": r.period, "published_on": r.published_on,
                          "fast": len(json.loads(r.fast)), "slow": len(json.loads(r.slow))}
                         for r in conn.execute(select(publicity).order_by(publicity.c.period.desc()))]
        return self.render("duban/publicity.html", period=period, preview=preview, points=points,
                           published=published, errors=errors, command_id=uuid.uuid4().hex,
                           this_month=f"{today:%Y-%m}"), 400 if errors else 200

    def _preview(self, period: str, points: dict) -> dict | None:
        try:
            fast_points, slow_points = float(points["fast_points"]), float(points["slow_points"])
        except ValueError:
            return None  # the command refuses it with its own message on 发布
        with self.svc.engine.connect() as conn:
            rows = plan_progress(conn, period)
            names = unit_names(conn)
        for r in rows:
            r["unit_name"] = names.get(r["unit"], r["unit"])
        months = int(period[5:7])
        fast, slow = rank_fast_slow(rows, months, fast_points, slow_points)
        return {"ranked": len(rows), "expected": months / 12, "fast": fast, "slow": slow}
