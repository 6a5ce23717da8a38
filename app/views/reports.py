"""The report's data beyond the figures of ``app/reports/summary.py``: the double-half standing
of each unit beside its forecast (``Report.forecasts``, the one definition of both), and the
published reports with what has changed since."""
from __future__ import annotations

import json

from sqlalchemy import Float, Integer, Select, String, case, false, literal, select, union_all

from ..domain.errors import NotFound
from ..events.search import positions_after
from ..projections.projects import projects
from ..projections.published import published_reports
from ..projections.units import units
from ..reports.summary import BASIS, COUNTS, Period, Report, UnitForecast, figures, flatten
from .reading import QueryView
from .units import unit_names


def forecast_rows(conn, period: Period) -> list[dict]:
    """Per unit with a task, the actual standing beside the forecast: API, page and export."""
    names = unit_names(conn)
    return [{"unit": f.unit, "unit_name": names.get(f.unit, f.unit), "task": round(f.task, 2),
             "due": round(f.due, 2), "completed": round(f.completed, 2), "behind": f.behind,
             "forecast_month": f.target_month, "target": round(f.target, 2),
             "expected": round(f.expected, 2), "forecast_behind": f.forecast_behind}
            for f in Report(conn, period).forecasts]


def standings(forecasts: list[UnitForecast]) -> Select:
    """The same standings as a select (the staff page filters, sorts and pages it): unit, its
    name and kind, task, required (due), completed, ratio, behind, expected, target,
    forecast_behind (0 or 1)."""
    parts = [select(literal(f.unit, String).label("unit"), literal(f.task, Float).label("task"),
                    literal(f.due, Float).label("required"),
                    literal(f.completed, Float).label("completed"),
                    literal(int(f.behind), Integer).label("behind"),
                    literal(f.expected, Float).label("expected"),
                    literal(f.target, Float).label("target"),
                    literal(int(f.forecast_behind), Integer).label("forecast_behind"))
             for f in forecasts]
    if not parts:  # no unit has a task: the same columns, no row
        parts = [select(literal("", String).label("unit"), *[
            literal(0.0, Float).label(c) for c in ("task", "required", "completed")],
            literal(0, Integer).label("behind"), literal(0.0, Float).label("expected"),
            literal(0.0, Float).label("target"), literal(0, Integer).label("forecast_behind"))
            .where(false())]
    v = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("standings")
    return (select(v.c.unit, units.c.name.label("unit_name"), units.c.kind, v.c.task,
                   v.c.required, v.c.completed,
                   case((v.c.task > 0, v.c.completed / v.c.task), else_=None).label("ratio"),
                   v.c.behind, v.c.expected, v.c.target, v.c.forecast_behind)
            .select_from(v.outerjoin(units, units.c.code == v.c.unit)))


# -- published reports ------------------------------------------------------------------
def _item_kind(figure: str) -> str:
    """What the ids of a figure's items are: the kind of stream each one is."""
    if figure in ("dispatch.problems_dispatched", "dispatch.problems_resolved"):
        return "problem"
    if figure == "dispatch.meetings":
        return "meeting"
    if figure == "inspections.bulletins":
        return "bulletin"
    if figure.startswith("inspections."):
        return "inspection"
    if figure.startswith("double_half.") or figure == "stats_entry.units_without_entry":
        return "unit"
    return "project"


def _streams(view: QueryView, tagged: set[tuple[str, str]]) -> set[str]:
    """The streams whose later events can move these items: a unit's figures move with its own
    stream and with those of the projects it is responsible for."""
    out = {f"{kind}:{key}" for kind, key in tagged}
    units = {key for kind, key in tagged if kind == "unit"}
    if units:
        out |= {f"project:{c}" for c, in view.conn.execute(
            select(projects.c.code).where(projects.c.responsible_unit.in_(sorted(units))))}
    return out


def _positions_after(view: QueryView, streams: set[str], after: int) -> list[int]:
    with view.events() as conn:
        return positions_after(conn, streams, after, view.position)


def differences(view: QueryView, position: int, published: dict, published_items: dict,
                now: dict, now_items: dict) -> list[dict]:
    """Each figure that no longer reads as published, with the positions of the events after
    the publication in the streams of the items that entered or left it (of every item it rests
    on when none did, as when a correction moves a sum)."""
    was, is_ = flatten(published), flatten(now)
    out = []
    for key in sorted(set(was) | set(is_)):
        if was.get(key) == is_.get(key):
            continue
        basis = [key] if key in COUNTS else BASIS.get(key, [])
        moved: set[tuple[str, str]] = set()
        every: set[tuple[str, str]] = set()
        for b in basis:
            then, today = set(published_items.get(b, ())), set(now_items.get(b, ()))
            kind = _item_kind(b)
            moved |= {(kind, i) for i in then ^ today}
            every |= {(kind, i) for i in then | today}
        out.append({"figure": key, "published": was.get(key), "now": is_.get(key),
                    "positions": _positions_after(view, _streams(view, moved or every), position)})
    return out


def _published_row(view: QueryView, report_id: str):
    row = view.conn.execute(select(published_reports)
                            .where(published_reports.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"已发布报告“{report_id}”不存在。")
    return row


def _head(row) -> dict:
    return {"id": row.id, "year": row.year, "through": row.through, "title": row.title,
            "published_on": row.published_on, "position": row.position,
            "recorded_at": row.recorded_at}


def published_list(view: QueryView) -> list[dict]:
    rows = view.conn.execute(select(published_reports).order_by(published_reports.c.position))
    return [_head(r) for r in rows]


def published_report(view: QueryView, report_id: str) -> dict:
    """A published report: the figures as published, recomputed now, and their differences."""
    row = _published_row(view, report_id)
    published, items = json.loads(row.figures), json.loads(row.items)
    report = Report(view.conn, Period.parse(row.year, row.through))
    now = figures(report)
    return {**_head(row), "figures": published, "recomputed": now,
            "differences": differences(view, row.position, published, items, now,
                                       report.all_items())}
