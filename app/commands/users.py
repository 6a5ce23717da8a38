"""Users and roles (用户与角色). The users table holds the password; the events hold the facts."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from ..auth.accounts import find_user
from ..auth.tables import users
from ..events.model import NewEvent, format_instant
from .base import ADMIN, ROLES, UNIT_REPORTER, CommandSpec, Context, Decision
from .errors import Conflict, NotFound


def unit_stream(code: str) -> str:
    return f"unit:{code}"


class CreateUser(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[\w.@-]{2,80}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=6))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(load_default=None, allow_none=True)
    display_name = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _unit_for_reporter(self, data, **_):
        if data.get("role") == UNIT_REPORTER and not data.get("unit"):
            raise ValidationError("单位填报员必须指定所属单位。", "unit")


class ChangeRole(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _unit_for_reporter(self, data, **_):
        if data.get("role") == UNIT_REPORTER and not data.get("unit"):
            raise ValidationError("单位填报员必须指定所属单位。", "unit")


def _check_unit(ctx: Context, unit: str | None) -> None:
    if unit and not ctx.exists(unit_stream(unit)):
        raise NotFound(f"单位“{unit}”不存在。")


def create_user(ctx: Context, cmd: dict) -> Decision:
    if find_user(ctx.conn, cmd["username"]) is not None:
        raise Conflict(f"用户名“{cmd['username']}”已存在。")
    _check_unit(ctx, cmd["unit"])
    ctx.conn.execute(users.insert().values(
        username=cmd["username"], password_hash=generate_password_hash(cmd["password"]),
        role=cmd["role"], unit=cmd["unit"], display_name=cmd["display_name"], active=True,
        created_at=format_instant(ctx.now)))
    data = {k: cmd[k] for k in ("username", "role", "unit", "display_name")}
    return Decision(cmd["username"], f"user:{cmd['username']}", "user",
                    [NewEvent("UserCreated", data, ctx.today)])


def change_role(ctx: Context, cmd: dict) -> Decision:
    if find_user(ctx.conn, cmd["username"]) is None:
        raise NotFound(f"用户“{cmd['username']}”不存在。")
    _check_unit(ctx, cmd["unit"])
    ctx.conn.execute(update(users).where(users.c.username == cmd["username"])
                     .values(role=cmd["role"], unit=cmd["unit"]))
    data = {k: cmd[k] for k in ("username", "role", "unit")}
    return Decision(cmd["username"], f"user:{cmd['username']}", "user",
                    [NewEvent("UserRoleChanged", data, ctx.today)])


COMMANDS = [
    CommandSpec("create_user", CreateUser, create_user, (ADMIN,), "创建用户",
                path="/users", tags=("用户",)),
    CommandSpec("change_role", ChangeRole, change_role, (ADMIN,), "变更用户角色",
                stream=lambda c: f"user:{c['username']}", path="/users/{username}/role",
                tags=("用户",)),
]
