"""The demonstration district's half year as data: every command, its business date and who
gives it, generated from a fixed seed so that every load is the same ledger.

This module decides *what happened*: units and their tasks, the 60 major and 230 reserve
projects, plans, stages, monthly progress with a few corrections, statistics-database entries.
``problems.py`` adds the dispatch side; ``load.py`` runs it all through the command bus.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .names import (BEHIND_WITH_PROJECTS, LEADERS, MAJOR_PROJECTS, PLACE_TOWNSHIP,
                    RESERVE_PLACES, RESERVE_WORKS, UNITS)

YEAR = 2019
SEED = 20190625  # the day the seed report was signed
MONTHS = range(1, 7)  # January to June: the half year the report covers


@dataclass(frozen=True)
class Ref:
    """Stands for the id the system assigned to an earlier command's result (P00001, M0001 …)."""

    key: str


@dataclass(frozen=True)
class Op:
    """One command of the demonstration."""

    key: str  # unique: the later commands name what this one made by it (Ref)
    day: date  # business order
    command: str
    payload: dict[str, Any]
    actor: str  # "admin", "dispatcher", "inspector", "leader:<name>", "unit:<code>"
    rank: int = 5  # order within a day: what others refer to (units, meetings …) goes first


def d(month: int, day: int) -> date:
    return date(YEAR, month, day)


def period(month: int) -> str:
    return f"{YEAR}-{month:02d}"


@dataclass
class Project:
    code: str
    name: str
    unit: str
    category: str
    course: str  # see names.MAJOR_PROJECTS; "reserve" for the reserve
    total: float
    registered: date
    leader: str | None = None
    leader_later: date | None = None  # leader assigned after registration (全覆盖 in February)
    plan: float = 0.0
    planned_from: date | None = None  # registered as preliminary, moved to planned_new on this day
    started: date | None = None
    stats_day: date | None = None
    months: dict[int, float] = field(default_factory=dict)  # final figure per month
    corrections: dict[int, tuple[float, str]] = field(default_factory=dict)  # month: (first, reason)

    @property
    def stage_at_registration(self) -> str:
        if self.course == "continuing":
            return "continuing"
        if self.course in ("started", "planned"):
            return "preliminary" if self.planned_from else "planned_new"
        return "reserve" if self.course == "reserve" else "preliminary"

    def completed(self) -> float:
        return math.fsum(self.months.values())


@dataclass
class District:
    projects: list[Project]
    tasks: dict[str, float]

    @property
    def major(self) -> list[Project]:
        return [p for p in self.projects if p.course != "reserve"]


# -- generation --------------------------------------------------------------------

_TOTALS = {"provincial": (80000, 260000), "municipal": (30000, 120000),
           "key_push": (15000, 80000), "district": (2000, 30000)}
_PLAN_SHARE = {"continuing": (0.18, 0.35), "started": (0.12, 0.25), "planned": (0.06, 0.15),
               "prelim_in": (0.05, 0.12), "prelim": (0.03, 0.08)}
# share of the annual plan done each month: slow around the Spring Festival, then faster
_CONTINUING = [0.05, 0.035, 0.08, 0.09, 0.10, 0.11]
_AFTER_START = [0.07, 0.09, 0.11, 0.12, 0.13]
_LAND_WORK = [0.02, 0.02, 0.03, 0.04, 0.04, 0.05]
_START_MONTHS = [2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6]
_CORRECTION_REASONS = [
    "统计口径调整，剔除设备购置预付款",
    "数据录入错误，按监理月报更正",
    "补报本月已完成的征地拆迁补偿款",
    "经区统计局核实，扣除重复统计部分",
    "施工单位结算数据延迟报送，予以补正",
]


def _round_to(x: float, step: float) -> float:
    return round(round(x / step) * step, 2)


def major_projects(rng: random.Random) -> list[Project]:
    leaders = [name for name, _ in LEADERS]
    others = leaders[2:]
    out: list[Project] = []
    for i, (name, unit, category, course) in enumerate(MAJOR_PROJECTS, start=1):
        lo, hi = _TOTALS[category]
        total = _round_to(rng.uniform(lo, hi), 100)
        day = d(1, rng.randint(3, 9)) if course == "continuing" else d(1, rng.randint(7, 18))
        # the principal leaders take the provincial projects; the others share the rest
        leader = leaders[i % 2] if category == "provincial" else others[i % len(others)]
        p = Project(f"ZD{YEAR}{i:03d}", name, unit, category, course, total, day, leader)
        lo, hi = _PLAN_SHARE[course]
        p.plan = _round_to(total * rng.uniform(lo, hi), 10)
        out.append(p)
    # A few were registered before their leader was named; the February notice completes it.
    for p in rng.sample([p for p in out if p.category == "district"], 8):
        p.leader_later = d(2, 18)
    started = [p for p in out if p.course == "started"]
    planned = [p for p in out if p.course == "planned"]
    for p, month in zip(started, _START_MONTHS):
        p.started = d(month, rng.randint(5, 25))
    # three were still preliminary at registration: planned (计划新开工) from February on
    for p in [p for p in started if p.started and p.started.month >= 3][:3]:
        p.planned_from = d(2, 20)
    for p in planned[:2]:
        p.planned_from = d(3, 12)
    return out


def _progress(rng: random.Random, p: Project) -> None:
    f = rng.uniform(0.95, 1.35)
    for month in MONTHS:
        if p.course == "continuing":
            share = _CONTINUING[month - 1] * f
        elif p.course == "started" and p.started and month >= p.started.month:
            share = _AFTER_START[month - p.started.month] * rng.uniform(0.8, 1.2)
        elif p.course == "prelim_in":
            share = _LAND_WORK[month - 1] * f
        else:
            share = 0.0
        p.months[month] = round(p.plan * share, 1)


def _stats_day(rng: random.Random, p: Project) -> date | None:
    if p.course == "continuing":  # the spring sweep (全面梳理排查在建项目，应统尽统)
        return d(rng.randint(1, 3), rng.randint(10, 28))
    if p.course == "started" and p.started:
        # by the report's day (6月25日), which counts all 48 (新入库项目48个)
        return min(p.started + timedelta(days=rng.randint(5, 20)), d(6, 25))
    if p.course == "prelim_in":  # spending on land: investment counts from the first payment
        return d(rng.randint(2, 5), rng.randint(5, 25))
    return None


def reserve_projects(rng: random.Random, start: int) -> list[Project]:
    named = [("圣平岛棚户区改造（二期）", "BM03", (20000, 40000)),
             ("新城彰德桥棚户区改造", "BM03", (15000, 30000)),
             ("大白塔棚户区改造", "BM03", (10000, 25000))]
    combos = [(pl, w) for pl in RESERVE_PLACES for w in RESERVE_WORKS]
    for place, (work, unit, span) in rng.sample(combos, 230 - len(named)):
        named.append((f"{place}{work}项目", unit or PLACE_TOWNSHIP[place], span))
    out = []
    for i, (name, unit, (lo, hi)) in enumerate(named):
        # the reserve grows all half year, to its 230 by the report's day (6月25日)
        day = min(d(1, 8) + timedelta(days=rng.randint(0, 171)), d(6, 24))
        out.append(Project(f"CB{YEAR}{start + i:03d}", name, unit, "district", "reserve",
                           _round_to(rng.uniform(lo, hi), 10), day))
    return out


def unit_tasks(rng: random.Random, projects: list[Project]) -> dict[str, float]:
    """Annual investment tasks (年度投资任务) set so that 16 of the 26 units are behind in June."""
    done: dict[str, float] = {code: 0.0 for code, _, _ in UNITS}
    for p in projects:
        done[p.unit] += p.completed()
    tasks = {}
    for code, completed in done.items():
        if completed <= 0:  # no project under way: the task cannot be met
            tasks[code] = float(rng.randrange(20, 150) * 100)
        elif code in BEHIND_WITH_PROJECTS:
            tasks[code] = math.ceil(2 * completed * rng.uniform(1.2, 1.5) / 10) * 10.0
        else:
            tasks[code] = math.floor(2 * completed / rng.uniform(1.06, 1.3) / 10) * 10.0
    return tasks


def build_district(seed: int = SEED) -> District:
    rng = random.Random(seed)
    major = major_projects(rng)
    for p in major:
        _progress(rng, p)
        p.stats_day = _stats_day(rng, p)
    with_figures = [(p, m) for p in major for m in MONTHS if p.months[m] > 0 and m <= 5]
    for (p, month), reason in zip(rng.sample(with_figures, len(_CORRECTION_REASONS)),
                                  _CORRECTION_REASONS):
        p.corrections[month] = (round(p.months[month] * rng.choice([0.8, 0.9, 1.1, 1.2]), 1),
                                reason)
    reserve = reserve_projects(rng, 1)
    tasks = unit_tasks(rng, major + reserve)
    return District(major + reserve, tasks)


# -- the project side as commands --------------------------------------------------

_IMAGE = {
    "continuing": ["春节前抢抓工期，主体工程持续施工", "春节后复工复产，施工人员陆续到岗",
                   "全面施工，主体结构稳步推进", "主体工程施工，同步开展附属工程",
                   "主体工程基本完成，开展设备安装", "附属工程和装饰装修施工中"],
    "before_start": ["正在办理施工许可", "施工图审查中，同步开展招标准备", "施工招标已挂网"],
    "after_start": ["已开工，完成场地平整和临时设施搭建", "基础工程施工中", "主体工程开始施工",
                    "主体工程施工中", "主体工程施工中，形象进度符合计划"],
    "prelim_in": ["征地拆迁推进中，兑付补偿款", "完成部分地块征收，开展场地清表",
                  "征地拆迁基本完成，初步设计报审"],
    "planned": ["可研报告已报审，等待批复", "正在办理用地预审和规划选址", "资金筹措方案论证中",
                "施工图设计中", "用地指标尚未落实，前期手续办理中"],
    "prelim": ["前期工作推进中，项目建议书编制", "规划方案论证中", "开展可行性研究"],
}


def _image(p: Project, month: int, done: float) -> str:
    if p.course == "started" and p.started and month >= p.started.month:
        texts = _IMAGE["after_start"]
        text = texts[min(month - p.started.month, len(texts) - 1)]
    elif p.course == "started":
        text = _IMAGE["before_start"][month % 3]
    elif p.course == "continuing":
        text = _IMAGE["continuing"][month - 1]
    else:
        texts = _IMAGE[p.course]
        text = texts[month % len(texts)]
    if p.plan and done > 0:
        text += f"，累计完成年度计划的{done / p.plan:.0%}"
    return text


def project_ops(district: District) -> list[Op]:
    ops: list[Op] = []
    for i, (code, name, kind) in enumerate(UNITS):
        ops.append(Op(f"unit-{code}", d(1, 2), "register_unit",
                      {"code": code, "name": name, "kind": kind, "date": "2019-01-02"}, "admin", 0))
        ops.append(Op(f"task-{code}", d(1, 10), "set_investment_task",
                      {"code": code, "year": YEAR, "amount": district.tasks[code],
                       "date": "2019-01-10"}, "dispatcher", 1))
    for p in district.projects:
        ops.append(Op(f"project-{p.code}", p.registered, "register_project", {
            "code": p.code, "name": p.name, "category": p.category,
            "stage": p.stage_at_registration, "owner_unit": p.unit, "responsible_unit": p.unit,
            "total_investment": p.total, "leader": None if p.leader_later else p.leader,
            "planned_start": p.started.isoformat() if p.started else None,
            "date": p.registered.isoformat()}, "dispatcher", 1))
        if p.course == "reserve":
            continue
        ops.append(Op(f"plan-{p.code}", d(1, 22), "set_annual_plan", {
            "code": p.code, "year": YEAR, "planned_investment": p.plan, "date": "2019-01-22"},
            "dispatcher"))
        if p.leader_later:
            ops.append(Op(f"leader-{p.code}", p.leader_later, "assign_leader", {
                "code": p.code, "leader": p.leader, "date": p.leader_later.isoformat()},
                "dispatcher"))
        for day, stage in ((p.planned_from, "planned_new"), (p.started, "new_start")):
            if day:
                ops.append(Op(f"stage-{p.code}-{stage}", day, "change_stage", {
                    "code": p.code, "stage": stage, "date": day.isoformat()}, "dispatcher"))
        if p.stats_day:
            ops.append(Op(f"stats-{p.code}", p.stats_day, "record_stats_entry", {
                "code": p.code, "date": p.stats_day.isoformat()}, "dispatcher"))
        done = 0.0
        for month in MONTHS:
            done += p.months[month]
            day = d(month, 25)
            body = {"code": p.code, "period": period(month), "image_progress": _image(p, month, done),
                    "date": day.isoformat()}
            first = p.corrections.get(month)
            ops.append(Op(f"progress-{p.code}-{month:02d}", day, "submit_progress",
                          {**body, "month_investment": first[0] if first else p.months[month]},
                          f"unit:{p.unit}"))
            if first:
                fix = day + timedelta(days=9)
                ops.append(Op(f"progress-{p.code}-{month:02d}-fix", fix, "submit_progress",
                              {**body, "month_investment": p.months[month], "reason": first[1],
                               "date": fix.isoformat()}, f"unit:{p.unit}"))
    return ops
