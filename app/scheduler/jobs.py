"""The four jobs. Each decides from the ledger what is due today and records it through the
bus as the system actor; what was recorded before is not recorded again (idempotent), so a
job that failed simply does its work on its next run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from ..commands.deadlines import WARN_DAYS
from ..commands.jobs import previous_period
from ..commands.statements import deadlines_between, overdue_problems
from ..domain.errors import NotAllowed
from .context import JobContext
from .publicity_file import ensure_publicity_file
from .settings import JobSettings
from .task_lights import record_task_lights

def overdue(jc: JobContext) -> str:
    """Every open problem past its deadline gets one overdue fact per deadline (逾期)."""
    due = overdue_problems(jc.uow.tx, jc.today)
    recorded, refused = 0, []
    for pid, deadline in due:
        try:
            jc.execute("record_overdue", {"id": pid, "deadline": deadline})
            recorded += 1
        except NotAllowed:
            # The handler has the last word on state; the ledger may say otherwise only
            # for a problem it refuses, which then is simply not overdue.
            refused.append(pid)
    text = f"记录逾期问题 {recorded} 个。"
    if refused:
        text += f"状态不允许、未记录 {len(refused)} 个：{'、'.join(refused[:20])}。"
    return text + record_task_lights(jc)


def deadline_reminders(jc: JobContext) -> str:
    """临期提醒: each problem in progress whose deadline is within WARN_DAYS, once per deadline."""
    soon = deadlines_between(jc.uow.tx, jc.today, jc.today + timedelta(days=WARN_DAYS))
    reminded = 0
    for pid, deadline in soon:
        try:
            jc.execute("record_deadline_near", {"id": pid, "deadline": deadline})
            reminded += 1
        except NotAllowed:
            pass  # reminded before for this deadline
    return f"记录临期提醒 {reminded} 个。"


def reminders(jc: JobContext) -> str:
    """催报 for last month from REMINDER_DAY; from FLAG_DAY, units still missing are flagged."""
    s = jc.settings
    day = jc.today.day
    period = previous_period(jc.today)
    if day < s.reminder_day:
        return f"未到催报日（每月 {s.reminder_day} 日），无操作。"
    issued = jc.execute("issue_progress_reminders", {"period": period})
    text = f"{period} 进度催报：新催报单位 {len(issued['events'])} 个。"
    if day >= s.flag_day:
        flagged = jc.execute("flag_missing_reports", {"period": period})
        text += "已向调度员通报仍未填报的单位。" if flagged["events"] else "无新增通报。"
    return text


def publicity(jc: JobContext) -> str:
    """Last month's fast/slow list (红黑榜), published from PUBLICITY_DAY, once per month."""
    s = jc.settings
    period = previous_period(jc.today)
    if jc.today.day < s.publicity_day:
        return f"未到公示日（每月 {s.publicity_day} 日），无操作。"
    result = jc.execute("publish_fast_slow_list", {"period": period, "fast_points": s.fast_points,
                                                   "slow_points": s.slow_points})
    return f"{period} 快慢榜" + ("已发布。" if result["events"] else "此前已发布，无新记录。")


def publicity_file(jc: JobContext) -> None:
    """After the commit: the xlsx of the published list (rewritten on a later run if missing)."""
    if jc.today.day >= jc.settings.publicity_day:
        ensure_publicity_file(jc.services.engine, jc.settings.instance_path,
                              previous_period(jc.today))


def anchor(jc: JobContext) -> str:
    """The chain's head (position and hash) and a signed checkpoint, once a day."""
    result = jc.execute("anchor_chain", {})
    if not result["events"]:
        return "今日已锚定或链为空，无新记录。"
    anchored = result["events"][0]["position"] - 1
    if len(result["events"]) > 1:
        return f"已锚定链头：位置 {anchored}；已签署检查点（前 {anchored} 个事件）。"
    return f"已锚定链头：位置 {anchored}（未配置签名密钥，未签署检查点）。"


def notify(jc: JobContext) -> str:
    """Nothing is recorded here: the sending happens after the transaction (notify_deliver), so
    that no SMTP or HTTP wait ever holds the append lock."""
    return "投递到期的通知。"


def notify_deliver(jc: JobContext) -> None:
    from ..notify.job import deliver_for_job

    deliver_for_job(jc)


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    run: Callable[[JobContext], str]
    # APScheduler CronTrigger fields, in TZ_NAME
    cron: Callable[[JobSettings], dict]
    describe: Callable[[JobSettings], str]
    after_commit: Callable[[JobContext], None] | None = None


# Monthly jobs fire every day from their day to the month's end: a run that failed is retried
# the next day, and the runs after a success append nothing (idempotent).
JOBS: dict[str, Job] = {j.name: j for j in [
    Job("overdue", "问题逾期检查、督办事项亮灯", overdue,
        lambda s: {"hour": 0, "minute": 30},
        lambda s: "每日 00:30"),
    Job("reminders", "月度进度催报", reminders,
        lambda s: {"day": f"{s.reminder_day}-31", "hour": 8, "minute": 30},
        lambda s: f"每月 {s.reminder_day} 日起每日 08:30（{s.reminder_day} 日催报，"
                  f"{s.flag_day} 日起通报仍未填报的单位）"),
    Job("publicity", "月度快慢榜公示", publicity,
        lambda s: {"day": f"{s.publicity_day}-31", "hour": 9, "minute": 0},
        lambda s: f"每月 {s.publicity_day} 日起每日 09:00（发布上月快慢榜，每月一次）",
        after_commit=publicity_file),
    Job("anchor", "哈希链锚定", anchor,
        lambda s: {"hour": 23, "minute": 50},
        lambda s: "每日 23:50"),
    Job("deadlines", "临期提醒", deadline_reminders,
        lambda s: {"hour": 8, "minute": 0},
        lambda s: "每日 08:00（完成时限 3 天内的在办问题，每个时限提醒一次）"),
    Job("notify", "投递通知", notify,
        lambda s: {"minute": "*"},
        lambda s: "每分钟（投递邮件与短信/工作群通知，失败的按退避重试；免打扰时段暂缓，"
                  "选择每日汇总的用户在其日报时间收到一份日报）",
        after_commit=notify_deliver),
]}
