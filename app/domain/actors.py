"""Who acts: the five roles of API.md, the system itself (jobs, imports run by the machine), and
the actor a command is decided for."""
from __future__ import annotations

from dataclasses import dataclass

ADMIN, DISPATCHER, UNIT_REPORTER, LEADER, INSPECTOR = (
    "admin", "dispatcher", "unit_reporter", "leader", "inspector")
ROLES = (ADMIN, DISPATCHER, UNIT_REPORTER, LEADER, INSPECTOR)
ROLE_NAMES = {ADMIN: "系统管理员", DISPATCHER: "调度员", UNIT_REPORTER: "单位填报员",
              LEADER: "县级联系领导", INSPECTOR: "纪检督查人员", "system": "系统"}


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    unit: str | None = None
    client_address: str | None = None
    # for a leader: the leader's name as written on projects (挂联领导)
    display_name: str | None = None


SYSTEM = Actor("system", "system")
