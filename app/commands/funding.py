"""Projects in several lists (一个项目同时列入多个清单) and the funding ledger (项目资金: 申报、下达、到位)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, DISPATCHER
from ..domain.errors import NotAllowed
from ..domain.vocab import FUNDING_SOURCES, FUNDING_STAGES, PROJECT_CATEGORIES
from ..events.model import NewEvent
from ..limits.amounts import Amount
from .base import CommandSpec, Context, Decision
from .problems import business_day, text
from .projects import project_stream


class SetProjectLists(Schema):
    code = fields.String(required=True)
    lists = fields.List(fields.String(validate=validate.OneOf(
        list(PROJECT_CATEGORIES), error="清单须为 provincial、municipal、district 或 key_push。")),
        required=True, metadata={"description": "除项目类别外项目还列入的清单（替换原有的）"})
    date = business_day()


class RecordFunding(Schema):
    code = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(
        list(FUNDING_SOURCES), error="资金来源须为 central_budget、special_bond、provincial、"
                                     "municipal 或 self_and_other。"))
    stage = fields.String(required=True, validate=validate.OneOf(
        list(FUNDING_STAGES), error="资金环节须为 applied、approved 或 received。"))
    amount = Amount(required=True, metadata={"description": "金额（万元）"})
    document = text(required=False, max_length=200)
    date = business_day()


def set_project_lists(ctx: Context, cmd: dict) -> Decision:
    code = cmd["code"]
    day = ctx.business_date(cmd)
    events = ctx.require(project_stream(code), f"项目“{code}”不存在。")
    category = events[0].data["category"]
    # once each, in the order given; the category is always one of its lists already
    lists = [x for x in dict.fromkeys(cmd["lists"]) if x != category]
    previous: list[str] = []
    for ev in events:
        if ev.type == "ProjectListsSet":
            previous = ev.data["lists"]
    if sorted(previous) == sorted(lists):
        raise NotAllowed(f"项目“{code}”所属清单没有变化。")
    return Decision(code, project_stream(code), "project", [NewEvent(
        "ProjectListsSet", {"project": code, "lists": lists, "previous": previous}, day)])


def record_funding(ctx: Context, cmd: dict) -> Decision:
    code, source, stage = cmd["code"], cmd["source"], cmd["stage"]
    day = ctx.business_date(cmd)
    ctx.require(project_stream(code), f"项目“{code}”不存在。")
    # No rule ties the stages together: history is entered after the fact and in any order
    # (money received may be recorded before the approval it came with).
    amount = round(cmd["amount"], 4)
    document = (cmd["document"] or "").strip() or None
    data = {"project": code, "source": source, "stage": stage, "amount": amount,
            "document": document}
    return Decision(code, project_stream(code), "project", [NewEvent("FundingRecorded", data, day)])


def _on_project(c: dict) -> str:
    return project_stream(c["code"])


_TAGS = ("重大项目",)
COMMANDS = [
    CommandSpec("set_project_lists", SetProjectLists, set_project_lists, (ADMIN, DISPATCHER),
                "设置项目除类别外所属的清单（省重点、市重点、区级重大、重抓重推）",
                stream=_on_project, path="/projects/{code}/lists", tags=_TAGS),
    CommandSpec("record_funding", RecordFunding, record_funding, (ADMIN, DISPATCHER),
                "登记项目资金（申报、下达、到位）", stream=_on_project,
                path="/projects/{code}/funding", tags=_TAGS),
]
