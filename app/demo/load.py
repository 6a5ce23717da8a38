"""Loading the demonstration district: every command of its half year through the command bus.

Nothing is written around the bus: each command is validated, permission-checked and decided
by its handler as if a person had given it, under the actor who would have (the dispatcher,
the inspector, a county-level leader, a unit's reporter), with its business date in 2019.

Demo users (用户名 / 密码 / 角色):

    admin       admin123        系统管理员
    dispatcher  dispatcher123   调度员
    inspector   inspector123    纪检督查人员
    leader      leader123       县级联系领导（张志强）
    reporter    reporter123     单位填报员（区交通运输局 BM02）
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select
from tqdm import tqdm

from ..bootstrap import Services
from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER, Actor
from ..domain.errors import Conflict
from ..projections.projects import projects
from .data import SEED, Op, Ref, build_district, project_ops
from .names import DEMO_LEADER, UNIT_NAMES
from .problems import problem_ops
from .reports import report_ops
from .tasks import task_ops

REPORTER_UNIT = "BM02"
# username, password, role, unit, display name (a leader's name as written on projects)
DEMO_USERS = [
    ("admin", "admin123", ADMIN, None, None),
    ("dispatcher", "dispatcher123", DISPATCHER, None, None),
    ("inspector", "inspector123", INSPECTOR, None, None),
    ("leader", "leader123", LEADER, None, DEMO_LEADER),
    ("reporter", "reporter123", UNIT_REPORTER, REPORTER_UNIT, None),
]
ROLE_LABELS = {ADMIN: "系统管理员", DISPATCHER: "调度员", INSPECTOR: "纪检督查人员",
               LEADER: f"县级联系领导（{DEMO_LEADER}）",
               UNIT_REPORTER: f"单位填报员（{UNIT_NAMES[REPORTER_UNIT]}）"}


def script(seed: int = SEED, today: date | None = None) -> list[Op]:
    """Every command of the demonstration in business order (deterministic for a seed and day)."""
    district = build_district(seed)
    ops = (project_ops(district) + problem_ops(district, random.Random(seed + 1))
           + report_ops(district) + task_ops(today or date.today()))
    # stable: within a day and rank, the order they were written in (a problem's own steps)
    return sorted(ops, key=lambda op: (op.day, op.rank))


def actor_for(key: str) -> Actor:
    """The person behind an operation; the demo users' own names where they exist."""
    kind, _, who = key.partition(":")
    if kind == "unit":
        return Actor("reporter" if who == REPORTER_UNIT else f"reporter-{who}", UNIT_REPORTER, who)
    if kind == "leader":
        return Actor("leader" if who == DEMO_LEADER else who, LEADER, display_name=who)
    return Actor(kind, {"admin": ADMIN, "dispatcher": DISPATCHER, "inspector": INSPECTOR}[kind])


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, Ref):
        return ids[value.key]
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def has_projects(engine: Engine) -> bool:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(projects)).scalar() or 0) > 0


@dataclass
class LoadResult:
    loaded: bool
    commands: int = 0
    seconds: float = 0.0
    users: list[tuple[str, str, str]] = field(default_factory=list)  # username, password, role
    existing_users: list[str] = field(default_factory=list)


def load_demo(svc: Services, show_progress: bool = True) -> LoadResult:
    """Load the district unless the ledger already has projects (then change nothing)."""
    if has_projects(svc.engine):
        return LoadResult(loaded=False)
    started = time.perf_counter()
    ops = script(today=svc.today())
    ids: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    result = LoadResult(loaded=True)
    loader = Actor("demo", ADMIN)
    # one unit of work: a load cut short records nothing, and can simply be run again
    with tqdm(total=len(ops) + len(DEMO_USERS), desc="加载演示数据", unit="条命令",
              disable=not show_progress) as bar, svc.bus.unit_of_work(loader) as uow:
        for op in ops:
            actor = actors.get(op.actor) or actors.setdefault(op.actor, actor_for(op.actor))
            payload = {k: _resolve(v, ids) for k, v in op.payload.items()}
            ids[op.key] = uow.execute(op.command, payload, actor=actor)["id"]
            bar.update()
        for username, password, role, unit, display_name in DEMO_USERS:
            try:
                uow.execute("create_user", {
                    "username": username, "password": password, "role": role, "unit": unit,
                    "display_name": display_name})
                result.users.append((username, password, ROLE_LABELS[role]))
            except Conflict:  # an account of that name was made before: leave it as it is
                result.existing_users.append(username)
            bar.update()
    result.commands = len(ops) + len(result.users)
    result.seconds = time.perf_counter() - started
    return result
