"""The half-year summary (上半年主要指标): GET /reports/summary?year=&through=."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..commands.base import ADMIN, DISPATCHER, INSPECTOR, LEADER
from ..commands.errors import Forbidden
from ..reports.summary import CATEGORIES, summary
from .queries import AsOfArgs, QuerySpec, QueryView

# District-wide figures: a unit reporter sees its own unit only (DOMAIN.md).
REPORT_ROLES = (ADMIN, DISPATCHER, LEADER, INSPECTOR)


class SummaryArgs(AsOfArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "年度（默认：今年；给了 through 时为其年度）"})
    through = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                 error="截止月份格式应为 YYYY-MM（如 2019-06）。"),
        metadata={"description": "截止月份 YYYY-MM（默认：当年为本月，往年为 12 月）"})

    @validates_schema
    def _through_in_year(self, data: dict, **_) -> None:
        year, through = data.get("year"), data.get("through")
        if year is not None and through is not None and int(through[:4]) != year:
            raise ValidationError(f"截止月份须在所查询的年度（{year} 年）之内。", "through")


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


class SummaryDoubleHalfOut(Schema):
    units_with_task = fields.Integer(metadata={"description": "有年度投资任务的单位数"})
    units_behind = fields.Integer(metadata={"description": "未达到时序进度（双过半）的单位数"})
    behind_ratio = fields.Float(metadata={"description": "未达标单位占比"})


class SummaryReserveOut(Schema):
    count = fields.Integer(metadata={"description": "储备项目数"})
    total_investment = fields.Float(metadata={"description": "储备项目计划总投资（万元）"})


class SummaryInspectionsOut(Schema):
    count = fields.Integer(metadata={"description": "期内督查次数"})
    bulletins = fields.Integer(metadata={"description": "期内督查通报期数"})


class SummaryOut(Schema):
    year = fields.Integer(metadata={"description": "年度"})
    through = fields.String(metadata={"description": "截止月份 YYYY-MM"})
    projects = fields.Nested(SummaryProjectsOut)
    investment = fields.Nested(SummaryInvestmentOut)
    new_starts = fields.Nested(SummaryNewStartsOut)
    dispatch = fields.Nested(SummaryDispatchOut)
    stats_entry = fields.Nested(SummaryStatsEntryOut)
    double_half = fields.Nested(SummaryDoubleHalfOut)
    reserve = fields.Nested(SummaryReserveOut)
    inspections = fields.Nested(SummaryInspectionsOut)


def report_summary(view: QueryView, args: dict) -> dict:
    if view.actor.role not in REPORT_ROLES:
        raise Forbidden("您的角色无权查看全区汇总数据。")
    today = view.today
    through = args.get("through")
    year = args.get("year") or (int(through[:4]) if through else today.year)
    if through:
        month = int(through[5:7])
    else:
        # the current month of this year; a whole year for any other
        month = today.month if year == today.year else 12
    body = summary(view.conn, year, month)
    return {"year": year, "through": f"{year:04d}-{month:02d}", **body}


QUERIES = [
    QuerySpec("/reports/summary", report_summary, SummaryArgs, "半年（截至某月）工作汇总数据",
              SummaryOut, tags=("报表",)),
]
