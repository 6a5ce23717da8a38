"""The half-year summary (上半年主要指标): GET /reports/summary?year=&through=, the items of each
figure, and the published reports with what has changed since."""
from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema

from ..commands.reports import THROUGH_RULE, check_through
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..domain.errors import Forbidden, InvalidCommand
from ..domain.vocab import INSPECTION_KINDS
from ..reports.summary import BASIS, CATEGORIES, COUNTS, Period, Report, figure_keys, figures, flatten
from ..views import reports
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


def double_half_units(view: QueryView, args: dict) -> list[dict]:
    _check_role(view)
    return reports.forecast_rows(view.conn, period_of(view, args))


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
    return reports.published_list(view)


def published_report(view: QueryView, args: dict) -> dict:
    _check_role(view)
    return reports.published_report(view, args["id"])


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
