"""Publishing the summary (发布工作汇总): the figures as they stand, recorded as a fact."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import InvalidCommand
from ..domain.vocab import stream
from ..events.model import NewEvent
from ..reports.summary import THROUGH, Period, figures
from .base import CommandSpec, Context, Decision
from .problems import business_day, text
from .statements import next_report_number, summary_report

THROUGH_RULE = validate.Regexp(THROUGH, error="截止时间格式应为 YYYY-MM 或 YYYY-MM-DD（如 2019-06-25）。")


def check_through(year: int | None, through: str | None) -> None:
    """``through`` within the year asked about, and a real day."""
    if through is None or not THROUGH.match(through):
        return
    if year is not None and int(through[:4]) != year:
        raise ValidationError(f"截止时间须在所查询的年度（{year} 年）之内。", "through")
    try:
        Period.parse(int(through[:4]), through)
    except ValueError:
        raise ValidationError("截止日期不存在。", "through") from None


class PublishSummary(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    through = fields.String(required=True, validate=THROUGH_RULE)
    title = text(max_length=200)
    date = business_day()
    # (through within the year is checked by the handler: a plain schema loads the quick way)


def publish_summary(ctx: Context, cmd: dict) -> Decision:
    try:
        check_through(cmd["year"], cmd["through"])
    except ValidationError as exc:
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {"through": [str(m) for m in exc.messages]}) from None
    day = ctx.business_date(cmd)
    report = summary_report(ctx.tx, Period.parse(cmd["year"], cmd["through"]))
    report_id = f"R{next_report_number(ctx.tx):04d}"
    data = {"id": report_id, "year": cmd["year"], "through": cmd["through"],
            "title": cmd["title"].strip(), "figures": figures(report), "items": report.all_items()}
    return Decision(report_id, stream("report", report_id), "report",
                    [NewEvent("SummaryPublished", data, day)])


COMMANDS = [
    CommandSpec("publish_summary", PublishSummary, publish_summary, (ADMIN, DISPATCHER),
                "发布工作汇总报告（按当时的数字记录在案）", path="/reports/summary/publish",
                tags=("报表",)),
]
