"""An event's payload as an inspector reads it: each field under its Chinese name, each coded
value (a category, a level, a role) by its Chinese name, lists joined. The stored JSON stays one
click away (the audit page keeps it as the cell's title)."""
from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.actors import ROLE_NAMES
from ..domain.vocab import (
    FEEDBACK_CYCLES,
    FUNDING_SOURCES,
    FUNDING_STAGES,
    INSPECTION_KINDS,
    LEVELS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROJECT_CATEGORIES,
    PROJECT_STAGES,
    RATINGS,
    TASK_SOURCES,
    UNIT_KINDS,
)
from .vocab import local_instant

FIELD_NAMES = {
    "id": "编号", "code": "编码", "name": "名称", "kind": "类型", "category": "类别",
    "stage": "阶段", "previous": "原值", "owner_unit": "业主单位", "responsible_unit": "责任单位",
    "unit": "单位", "total_investment": "总投资（万元）", "leader": "联系领导",
    "planned_start": "计划开工", "year": "年度", "amount": "金额（万元）",
    "planned_investment": "计划投资（万元）", "period": "月份", "month_investment": "本月完成投资（万元）",
    "image_progress": "形象进度", "reason": "原因", "description": "描述", "source": "来源",
    "source_ref": "来源文号", "project": "项目", "inspection": "督查", "level": "调度级别",
    "from_level": "原级别", "to_level": "新级别", "decision": "调度意见", "deadline": "时限",
    "responsible_person": "责任人", "meeting": "调度会", "note": "说明", "attachments": "附件",
    "username": "用户名", "role": "角色", "display_name": "姓名", "title": "标题",
    "lead_unit": "牵头单位", "co_units": "配合单位", "feedback_cycle": "反馈周期", "key": "重点督办",
    "progress": "办理进展", "report": "办结报告", "rating": "评价", "approve": "审批结果",
    "notice_number": "文号", "date": "日期", "inspectors": "督查人员", "summary": "情况",
    "targets": "督查对象", "number": "文号", "inspections": "所涉督查", "chair": "主持人",
    "topic": "议题", "attendees": "参会人员", "size": "事件数", "root": "默克尔根",
    "key_id": "密钥编号", "signature": "签名", "timestamp": "时间", "position": "位置",
    "hash": "哈希", "light": "亮灯", "document": "文号", "lists": "所属清单", "through": "截至",
    "fast": "进展较快", "slow": "进展较慢", "basis": "依据", "confirm_outlier": "确认异常值",
    "action": "操作", "client_address": "客户端地址", "corrects": "更正次数", "days_left": "剩余天数",
    "everywhere": "全部会话退出", "figures": "指标", "items": "计入的记录", "lead": "牵头单位",
    "message": "提示", "method": "请求方法", "outlier": "异常值", "path": "页面路径",
    "previous_lead_unit": "原牵头单位", "projects": "项目", "unit_name": "单位名称",
    "units": "单位", "until": "锁定至", "username_hmac": "用户名摘要",
}

# Fields holding a stored UTC instant: shown in the business time zone, to the second.
INSTANT_FIELDS = {"until", "timestamp"}

# Coded values, by the field that holds them.
VALUES = {"category": {**PROBLEM_CATEGORIES, **PROJECT_CATEGORIES}, "stage": PROJECT_STAGES,
          "previous": PROJECT_STAGES, "source": {**PROBLEM_SOURCES, **TASK_SOURCES},
          "level": LEVELS, "from_level": LEVELS, "to_level": LEVELS, "role": ROLE_NAMES,
          "feedback_cycle": FEEDBACK_CYCLES, "rating": RATINGS, "kind": {**INSPECTION_KINDS,
                                                                          **UNIT_KINDS},
          "funding_source": FUNDING_SOURCES, "funding_stage": FUNDING_STAGES,
          "light": {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}}

MAX_TEXT = 120


def shown(field: str, value: Any, tz: ZoneInfo | None = None) -> str:
    """One value as read: a coded value by its name, a list joined, a flag 是/否, an instant
    in ``tz``."""
    if tz is not None and field in INSTANT_FIELDS and isinstance(value, str):
        try:
            return local_instant(value, tz)
        except ValueError:  # not one of the store's instants: as written
            return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    names = VALUES.get(field)
    if names is not None and not isinstance(value, (list, dict)) and value in names:
        return names[value]
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            # attachments: their names; ranked lists: how many
            named = [str(v.get("name") or v.get("project") or "") for v in value]
            return "、".join(n for n in named if n) or f"{len(value)} 项"
        return "、".join(shown(field, v) for v in value)
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def event_fields(data: dict, tz: ZoneInfo | None = None) -> list[tuple[str, str]]:
    """(Chinese name, value as read) for each field of a payload, in the payload's order."""
    return [(FIELD_NAMES.get(k, k), shown(k, v, tz)) for k, v in data.items()]
