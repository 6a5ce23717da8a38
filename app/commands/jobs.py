"""System-only commands of the scheduled jobs: reminders (催报), the fast/slow list (红黑榜), anchors.

No role may issue them (roles=()); only the system actor passes. Each handler decides from the
ledger as it stands inside the write transaction, so the figures recorded are exactly the ones
the append saw. Running one again for the same period or day decides no events: that is what
makes the jobs idempotent.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from ..domain.errors import NotAllowed
from ..events.model import NewEvent
from .base import CommandSpec, Context, Decision
from .statements import chain_head, missing_progress, period_end, plan_progress, unit_names

PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM。")


def reminder_stream(period: str) -> str:
    return f"job:reminders:{period}"


def publicity_stream(period: str) -> str:
    return f"publicity:{period}"


def anchor_stream(day: date) -> str:
    return f"anchor:{day.isoformat()}"


def previous_period(day: date) -> str:
    """The month before the one a day falls in (上月)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _ended(ctx: Context, period: str) -> None:
    if period_end(period) >= ctx.today:
        raise NotAllowed(f"{period} 尚未结束，不能对该月份执行此操作。")


def rank_fast_slow(rows: list[dict], months: int, fast_points: float,
                   slow_points: float) -> tuple[list[dict], list[dict]]:
    """Fast: ratio ≥ elapsed + fast_points; slow: ratio < elapsed − slow_points (percentage points).

    Fast ones are ranked fastest first, slow ones slowest first.
    """
    expected = months / 12
    fast, slow = [], []
    for r in rows:
        ratio = r["ytd"] / r["plan"]
        # compare in rounded points, so that 60% vs 50% + 10 is not lost to float error
        gap = round((ratio - expected) * 100, 6)
        entry = {**r, "ytd": round(r["ytd"], 4), "plan": round(r["plan"], 4),
                 "ratio": round(ratio, 4), "expected": round(expected, 4)}
        if gap >= fast_points:
            fast.append(entry)
        elif gap < -slow_points:
            slow.append(entry)
    fast.sort(key=lambda e: (-e["ratio"], e["project"]))
    slow.sort(key=lambda e: (e["ratio"], e["project"]))
    for ranked in (fast, slow):
        for i, e in enumerate(ranked, 1):
            e["rank"] = i
    return fast, slow


# -- commands ------------------------------------------------------------------------------
class PeriodCommand(Schema):
    period = fields.String(required=True, validate=PERIOD)


class PublishFastSlowList(PeriodCommand):
    fast_points = fields.Float(load_default=10.0, validate=validate.Range(min=0, max=100))
    slow_points = fields.Float(load_default=10.0, validate=validate.Range(min=0, max=100))


class AnchorChain(Schema):
    pass


def issue_progress_reminders(ctx: Context, cmd: dict) -> Decision:
    """催报: one reminder per unit and month, listing its projects with no progress."""
    period = cmd["period"]
    _ended(ctx, period)
    sid = reminder_stream(period)
    reminded = {e.data["unit"] for e in ctx.load(sid) if e.type == "ProgressReminderIssued"}
    missing = {u: ps for u, ps in missing_progress(ctx.tx, period).items() if u not in reminded}
    names = unit_names(ctx.tx, set(missing))
    events = [NewEvent("ProgressReminderIssued",
                       {"period": period, "unit": unit, "unit_name": names.get(unit),
                        "projects": [{"project": c, "name": n} for c, n in ps]}, ctx.today)
              for unit, ps in sorted(missing.items())]
    return Decision(period, sid, "job", events)


def flag_missing_reports(ctx: Context, cmd: dict) -> Decision:
    """Units reminded before today and still missing progress, flagged once per month."""
    period = cmd["period"]
    _ended(ctx, period)
    sid = reminder_stream(period)
    earlier = ctx.load(sid)
    if any(e.type == "MissingReportsFlagged" for e in earlier):
        return Decision(period, sid, "job", [])
    today = ctx.today.isoformat()
    # a unit reminded today gets its day of grace before it is reported to the dispatcher
    reminded = {e.data["unit"] for e in earlier
                if e.type == "ProgressReminderIssued" and (e.business_date or today) < today}
    missing = {u: ps for u, ps in missing_progress(ctx.tx, period).items() if u in reminded}
    if not missing:
        return Decision(period, sid, "job", [])
    names = unit_names(ctx.tx, set(missing))
    flagged = [{"unit": u, "unit_name": names.get(u), "projects": [c for c, _ in ps]}
               for u, ps in sorted(missing.items())]
    return Decision(period, sid, "job",
                    [NewEvent("MissingReportsFlagged", {"period": period, "units": flagged},
                              ctx.today)])


def publish_fast_slow_list(ctx: Context, cmd: dict) -> Decision:
    """The month's fast and slow projects (红黑榜), published once per month."""
    period = cmd["period"]
    _ended(ctx, period)
    sid = publicity_stream(period)
    if ctx.exists(sid):
        return Decision(period, sid, "publicity", [])
    return Decision(period, sid, "publicity",
                    [NewEvent("FastSlowListPublished",
                              fast_slow_payload(ctx, period, plan_progress(ctx.tx, period),
                                                cmd["fast_points"], cmd["slow_points"]),
                              ctx.today)])


def fast_slow_payload(ctx: Context, period: str, rows: list[dict], fast_points: float,
                      slow_points: float) -> dict:
    """The FastSlowListPublished payload from the ranked rows of ``plan_progress``."""
    names = unit_names(ctx.tx, {r["unit"] for r in rows})
    for r in rows:
        r["unit_name"] = names.get(r["unit"])
    months = int(period[5:7])
    fast, slow = rank_fast_slow(rows, months, fast_points, slow_points)
    basis = {"year": int(period[:4]), "through": period, "months": months,
             "expected": round(months / 12, 4), "fast_points": fast_points,
             "slow_points": slow_points, "ranked": len(rows),
             "head_position": chain_head(ctx.tx)[0]}
    return {"period": period, "fast": fast, "slow": slow, "basis": basis}


def anchor_chain(ctx: Context, cmd: dict) -> Decision:
    """Record the chain's head once a day (its position and hash), read under the append lock,
    and a checkpoint signed over the same events (when a signing key is configured)."""
    from .checkpoints import decide_checkpoint

    sid = anchor_stream(ctx.today)
    day = ctx.today.isoformat()
    if ctx.exists(sid):
        return Decision(day, sid, "anchor", [])
    position, head_hash = chain_head(ctx.tx)
    if position == 0:  # an empty chain has nothing to anchor
        return Decision(day, sid, "anchor", [])
    checkpoint = decide_checkpoint(ctx)
    return Decision(day, sid, "anchor",
                    [NewEvent("ChainAnchored", {"position": position, "hash": head_hash},
                              ctx.today)] + ([checkpoint] if checkpoint else []))


COMMANDS = [
    CommandSpec("issue_progress_reminders", PeriodCommand, issue_progress_reminders, (),
                "催报：列出上月未填报进度的项目", stream=lambda c: reminder_stream(c["period"])),
    CommandSpec("flag_missing_reports", PeriodCommand, flag_missing_reports, (),
                "通报催报后仍未填报的单位", stream=lambda c: reminder_stream(c["period"])),
    CommandSpec("publish_fast_slow_list", PublishFastSlowList, publish_fast_slow_list, (),
                "发布月度项目进展快慢榜", stream=lambda c: publicity_stream(c["period"])),
    CommandSpec("anchor_chain", AnchorChain, anchor_chain, (), "锚定哈希链链头"),
]
