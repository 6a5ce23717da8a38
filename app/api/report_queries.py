"""The half-year summary (上半年主要指标): GET /reports/summary?year=&through=, the items of each
figure, and the published reports with what has changed since."""
from __future__ import annotations

import json

from marshmallow import Schema, fields, validate, validates_schema
from sqlalchemy import select

from ..commands.reports import THROUGH_RULE, check_through
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..domain.errors import Forbidden, InvalidCommand, NotFound
from ..domain.vocab import INSPECTION_KINDS
from ..events.tables import events
from ..projections.projects import projects
from ..projections.published import published_reports
from ..reports.summary import BASIS, CATEGORIES, COUNTS, Period, Report, figure_keys, figures, flatten
from .queries import AsOfArgs, QuerySpec, QueryView

# District-wide figures: a unit reporter sees its own unit only (DOMAIN.md).
REPORT_ROLES = (ADMIN, DISPATCHER, LEADER, INSPECTOR)


class SummaryArgs(AsOfArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "年度（默认：今年；给了 through 时为其年度）"})
    through = fields.String(
        load_default=None, validate=THROUGH_RULE,
        metadata={"description": "截止月份 YYYY-MM 或截止日 YYYY-MM-DD（默认：当年为本月，往年为 12 月）"})

    @validates_schema
    def _through_in_year(self, data: dict, **_) -> None:
        check_through(data.get("year"), data.get("through"))


class SummaryShare(Schema):
    plan = fields.Float(metadata={"description": "年度计划投资（万元）"})
    completed = fields.Float(metadata={"description": "截至所查月份完成投资（万元）"})
    ratio = fields.Float(metadata={"description": "完成投资占计划比例"})


class SummaryProjectsOut(Schema):
    major = fields.Integer(metadata={"description": "重大项目数（期末不在储备阶段的项目）"})
    with_leader = fields.Integer(metadata={"description": "有县级联系领导的重大项目数"})
    leader_coverage = fields.Float(metadata={"description": "挂联覆盖率"})


class SummaryInvestmentOut(SummaryShare):
    by_category = fields.Dict(keys=fields.String(validate=validate.OneOf(CATEGORIES)),
                              values=fields.Nested(SummaryShare),
                              metadata={"description": "按项目类别：provincial、municipal、district、key_push"})


class SummaryNewStartsOut(Schema):
    planned = fields.Integer(metadata={"description": "年度计划新开工项目数"})
    started = fields.Integer(metadata={"description": "期内实现开工的项目数"})
    rate = fields.Float(metadata={"description": "开工率"})


class SummaryDispatchOut(Schema):
    meetings = fields.Integer(metadata={"description": "期内召开的调度会次数"})
    problems_dispatched = fields.Integer(metadata={"description": "期内有调度意见的问题数"})
    problem_projects = fields.Integer(metadata={"description": "调度问题项目数"})
    problems_resolved = fields.Integer(metadata={"description": "期内核验销号且此后未重新打开的问题数"})


class SummaryStatsEntryOut(Schema):
    new_entries = fields.Integer(metadata={"description": "期内首次入库（统计库）的项目数"})
    over_threshold = fields.Integer(metadata={"description": "其中总投资不低于 STATS_THRESHOLD 万元的"})
    last_year = fields.Integer(metadata={"description": "上年同期新入库项目数"})
    yoy = fields.Float(allow_none=True, metadata={"description": "同比增长（上年同期为 0 时为 null）"})
    units_without_entry = fields.Integer(metadata={"description": "有投资任务但期末无在库项目的单位数"})


class SummaryLineOut(Schema):
    count = fields.Integer(metadata={"description": "项目数"})
    total_investment = fields.Float(metadata={"description": "总投资（万元）"})
    plan = fields.Float(metadata={"description": "年度计划投资（万元）"})
    completed = fields.Float(metadata={"description": "完成投资（万元）"})
    ratio = fields.Float(metadata={"description": "占计划比例"})


class SummaryLinesOut(Schema):
    provincial_municipal = fields.Nested(SummaryLineOut, metadata={"description": "省市重点项目"})
    district_major = fields.Nested(SummaryLineOut, metadata={"description": "区级重大项目（全部重大项目）"})
    continuing = fields.Nested(SummaryLineOut, metadata={"description": "其中续建项目"})
    key_push = fields.Nested(SummaryLineOut, metadata={"description": "重抓重推项目"})


class SummaryFundingOut(Schema):
    projects = fields.Integer(metadata={"description": "期内下达中央预算内投资的项目数"})
    total_investment = fields.Float(metadata={"description": "这些项目的总投资（万元）"})
    central_budget = fields.Float(metadata={"description": "期内下达的中央预算内投资（万元）"})
    self_and_other = fields.Float(metadata={"description": "这些项目期内下达的业主自筹及其他（万元）"})


class SummaryDoubleHalfOut(Schema):
    units_with_task = fields.Integer(metadata={"description": "有年度投资任务的单位数"})
    units_behind = fields.Integer(metadata={"description": "未达到序时进度（双过半）的单位数"})
    behind_ratio = fields.Float(metadata={"description": "未达标单位占比"})


class SummaryForecastOut(Schema):
    month = fields.Integer(metadata={"description": "测算到的月份：截至 6 月前为 6（过半），之后为 12"})
    units_behind = fields.Integer(metadata={"description": "测算到该月不能完成序时任务的单位数"})
    behind_ratio = fields.Float(metadata={"description": "占有任务单位的比例"})


class SummaryReserveOut(Schema):
    count = fields.Integer(metadata={"description": "储备项目数"})
    total_investment = fields.Float(metadata={"description": "储备项目计划总投资（万元）"})


class SummaryInspectionsOut(Schema):
    count = fields.Integer(metadata={"description": "期内督查次数"})
    bulletins = fields.Integer(metadata={"description": "期内督查通报期数"})
    by_kind = fields.Dict(keys=fields.String(validate=validate.OneOf(list(INSPECTION_KINDS))),
                          values=fields.Integer(),
                          metadata={"description": "按督查类别：discipline、project、self_check"})


class SummaryOut(Schema):
    year = fields.Integer(metadata={"description": "年度"})
    through = fields.String(metadata={"description": "截止月份 YYYY-MM 或截止日 YYYY-MM-DD"})
    projects = fields.Nested(SummaryProjectsOut)
    investment = fields.Nested(SummaryInvestmentOut)
    lines = fields.Nested(SummaryLinesOut)
    new_starts = fields.Nested(SummaryNewStartsOut)
    dispatch = fields.Nested(SummaryDispatchOut)
    stats_entry = fields.Nested(SummaryStatsEntryOut)
    double_half = fields.Nested(SummaryDoubleHalfOut)
    forecast = fields.Nested(SummaryForecastOut, metadata={"description": "双过半测算"})
    reserve = fields.Nested(SummaryReserveOut)
    inspections = fields.Nested(SummaryInspectionsOut)
    funding = fields.Nested(SummaryFundingOut)


def _check_role(view: QueryView) -> None:
    if view.actor.role not in REPORT_ROLES:
        raise Forbidden("您的角色无权查看全区汇总数据。")


def period_of(view: QueryView, args: dict) -> Period:
    """The period asked for; without ``through``, this year's current month, another year whole."""
    today = view.today
    through = args.get("through")
    year = args.get("year") or (int(through[:4]) if through else today.year)
    if through:
        return Period.parse(year, through)
    return Period(year, today.month if year == today.year else 12)


def report_summary(view: QueryView, args: dict) -> dict:
    _check_role(view)
    period = period_of(view, args)
    return {"year": period.year, "through": period.label,
            **figures(Report(view.conn, period))}


class DoubleHalfUnitOut(Schema):
    unit = fields.String()
    unit_name = fields.String()
    task = fields.Float(metadata={"description": "年度投资任务（万元）"})
    due = fields.Float(metadata={"description": "序时进度应完成（任务 × 已过月数 ÷ 12）"})
    completed = fields.Float(metadata={"description": "已完成（万元）"})
    behind = fields.Boolean(metadata={"description": "实际：未达序时进度"})
    forecast_month = fields.Integer(metadata={"description": "测算到的月份（6 或 12）"})
    target = fields.Float(metadata={"description": "到该月应完成（任务 × 月份 ÷ 12）"})
    expected = fields.Float(metadata={"description": "测算到该月可完成（万元）"})
    forecast_behind = fields.Boolean(metadata={"description": "测算：不能完成"})


def forecast_rows(conn, period: Period) -> list[dict]:
    """Per unit with a task, the actual standing beside the forecast: API, page and export."""
    from ..projections.units import units

    names = dict(conn.execute(select(units.c.code, units.c.name)).all())
    return [{"unit": f.unit, "unit_name": names.get(f.unit, f.unit), "task": round(f.task, 2),
             "due": round(f.due, 2), "completed": round(f.completed, 2), "behind": f.behind,
             "forecast_month": f.target_month, "target": round(f.target, 2),
             "expected": round(f.expected, 2), "forecast_behind": f.forecast_behind}
            for f in Report(conn, period).forecasts]


def double_half_units(view: QueryView, args: dict) -> list[dict]:
    _check_role(view)
    return forecast_rows(view.conn, period_of(view, args))


class ItemsArgs(SummaryArgs):
    figure = fields.String(required=True, metadata={
        "description": "数字的键，用点连接（如 dispatch.problems_resolved）"})


class ItemsOut(Schema):
    year = fields.Integer()
    through = fields.String()
    figure = fields.String()
    value = fields.Raw(metadata={"description": "该数字当前的值"})
    items = fields.List(fields.String(), metadata={
        "description": "该数字所计的对象（项目编码、问题编号、单位编码、会议、督查或通报编号）"})


def summary_items(view: QueryView, args: dict) -> dict:
    _check_role(view)
    key = args["figure"]
    if key not in COUNTS and key not in BASIS:
        raise InvalidCommand("查询参数有误。", {"figure": [
            f"没有名为“{key}”的数字；可用的有：{'、'.join(figure_keys())}。"]})
    period = period_of(view, args)
    report = Report(view.conn, period)
    value = flatten(figures(report)).get(key)
    return {"year": period.year, "through": period.label, "figure": key, "value": value,
            "items": report.items(key)}


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
    found: set[int] = set()
    names = sorted(streams)
    svc = view.services
    with svc.engine.connect() as conn:  # the events table, also when the view is a snapshot
        for i in range(0, len(names), 500):
            q = (select(events.c.position).where(events.c.stream_id.in_(names[i:i + 500]))
                 .where(events.c.position > after))
            if view.position is not None:
                q = q.where(events.c.position <= view.position)
            found.update(conn.execute(q).scalars())
    return sorted(found)


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


class PublishedOut(Schema):
    id = fields.String(metadata={"description": "报告编号 R0001…"})
    year = fields.Integer()
    through = fields.String()
    title = fields.String()
    published_on = fields.String(metadata={"description": "发布日期"})
    position = fields.Integer(metadata={"description": "发布事件的位置"})
    recorded_at = fields.String()


class DifferenceOut(Schema):
    figure = fields.String()
    published = fields.Raw()
    now = fields.Raw()
    positions = fields.List(fields.Integer(), metadata={"description": "发布后改变了此数字的事件位置"})


class PublishedDetailOut(PublishedOut):
    figures = fields.Dict(metadata={"description": "发布时的数字"})
    recomputed = fields.Dict(metadata={"description": "按现有记录重新计算的数字"})
    differences = fields.List(fields.Nested(DifferenceOut))


class PublishedArgs(AsOfArgs):
    id = fields.String(required=True)


def published_list(view: QueryView, args: dict) -> list[dict]:
    _check_role(view)
    rows = view.conn.execute(select(published_reports).order_by(published_reports.c.position))
    return [_head(r) for r in rows]


def published_report(view: QueryView, args: dict) -> dict:
    _check_role(view)
    row = _published_row(view, args["id"])
    published, items = json.loads(row.figures), json.loads(row.items)
    report = Report(view.conn, Period.parse(row.year, row.through))
    now = figures(report)
    return {**_head(row), "figures": published, "recomputed": now,
            "differences": differences(view, row.position, published, items, now,
                                       report.all_items())}


QUERIES = [
    QuerySpec("/reports/summary", report_summary, SummaryArgs,
              "工作汇总数据（截至某月或某日）", SummaryOut, tags=("报表",)),
    QuerySpec("/reports/double-half", double_half_units, SummaryArgs,
              "各单位双过半：实际与测算", DoubleHalfUnitOut(many=True), tags=("报表",)),
    QuerySpec("/reports/summary/items", summary_items, ItemsArgs,
              "某个数字所计的对象", ItemsOut, tags=("报表",)),
    QuerySpec("/reports/published", published_list, AsOfArgs, "已发布的工作汇总报告",
              PublishedOut(many=True), tags=("报表",)),
    QuerySpec("/reports/published/{id}", published_report, PublishedArgs,
              "已发布报告：发布时的数字、重新计算的数字及其差异", PublishedDetailOut,
              tags=("报表",)),
]
