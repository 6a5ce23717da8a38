"""Users and roles (用户与角色). The users table holds the password; the events hold the facts."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.actors import ADMIN, ROLES, SYSTEM, UNIT_REPORTER
from ..domain.errors import Conflict, Forbidden, InvalidCommand, NotAllowed, NotFound
from ..events.model import NewEvent, format_instant
from . import statements
from .base import CommandSpec, Context, Decision


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
    if statements.user(ctx.tx, cmd["username"]) is not None:
        raise Conflict(f"用户名“{cmd['username']}”已存在。")
    _check_unit(ctx, cmd["unit"])
    statements.add_user(
        ctx.tx, username=cmd["username"], password_hash=generate_password_hash(cmd["password"]),
        role=cmd["role"], unit=cmd["unit"], display_name=cmd["display_name"], active=True,
        created_at=format_instant(ctx.now))
    data = {k: cmd[k] for k in ("username", "role", "unit", "display_name")}
    return Decision(cmd["username"], f"user:{cmd['username']}", "user",
                    [NewEvent("UserCreated", data, ctx.today)])


def change_role(ctx: Context, cmd: dict) -> Decision:
    row = _existing(ctx, cmd["username"])
    if cmd["role"] != ADMIN:
        _keep_an_admin(ctx, row, "不能变更其角色")
    _check_unit(ctx, cmd["unit"])
    statements.set_user(ctx.tx, cmd["username"], role=cmd["role"], unit=cmd["unit"])
    data = {k: cmd[k] for k in ("username", "role", "unit")}
    return Decision(cmd["username"], f"user:{cmd['username']}", "user",
                    [NewEvent("UserRoleChanged", data, ctx.today)])


class ChangePassword(Schema):
    username = fields.String(required=True)
    old_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(min=6, max=200))


class LogOut(Schema):
    username = fields.String(required=True)
    # the token given up (None: the session of the staff pages, which ends by itself)
    token_id = fields.String(load_default=None, allow_none=True)
    token_expires = fields.AwareDateTime(load_default=None, allow_none=True)
    everywhere = fields.Boolean(load_default=False)  # every token and session of the user


class UserAccess(Schema):
    username = fields.String(required=True)


def _existing(ctx: Context, username: str):
    row = statements.user(ctx.tx, username)
    if row is None:
        raise NotFound(f"用户“{username}”不存在。")
    return row


def _keep_an_admin(ctx: Context, row, what: str) -> None:
    """The last active admin stays one: otherwise nobody could manage users any more."""
    if row["role"] != ADMIN or not row["active"]:
        return
    if statements.active_admins(ctx.tx) <= 1:
        raise NotAllowed(f"“{row['username']}”是最后一个启用的系统管理员，{what}。")


def _only_oneself(ctx: Context, username: str) -> None:
    if ctx.actor.role != SYSTEM.role and ctx.actor.username != username:
        raise Forbidden("只能对自己的账号执行此操作。")


def _user_event(cmd: dict, event: str, data: dict, ctx: Context) -> Decision:
    return Decision(cmd["username"], f"user:{cmd['username']}", "user",
                    [NewEvent(event, data, ctx.today)])


def change_password(ctx: Context, cmd: dict) -> Decision:
    _only_oneself(ctx, cmd["username"])
    row = _existing(ctx, cmd["username"])
    if not check_password_hash(row["password_hash"], cmd["old_password"]):
        raise InvalidCommand("原密码不正确。", {"old_password": ["原密码不正确。"]})
    if cmd["new_password"] == cmd["old_password"]:
        raise InvalidCommand("新密码不能与原密码相同。", {"new_password": ["新密码不能与原密码相同。"]})
    statements.bump_token_generation(ctx.tx, cmd["username"],
                                     password_hash=generate_password_hash(cmd["new_password"]))
    return _user_event(cmd, "PasswordChanged", {"username": cmd["username"]}, ctx)


def log_out(ctx: Context, cmd: dict) -> Decision:
    _only_oneself(ctx, cmd["username"])
    _existing(ctx, cmd["username"])
    if cmd["everywhere"]:
        statements.bump_token_generation(ctx.tx, cmd["username"])
    elif cmd["token_id"]:
        statements.revoke_token(ctx.tx, cmd["username"], cmd["token_id"],
                                cmd["token_expires"] or ctx.now, ctx.now)
    return _user_event(cmd, "UserLoggedOut",
                       {"username": cmd["username"], "everywhere": cmd["everywhere"]}, ctx)


def deactivate_user(ctx: Context, cmd: dict) -> Decision:
    row = _existing(ctx, cmd["username"])
    if not row["active"]:
        raise NotAllowed(f"用户“{cmd['username']}”已是停用状态。")
    _keep_an_admin(ctx, row, "不能停用")
    statements.bump_token_generation(ctx.tx, cmd["username"], active=False)
    return _user_event(cmd, "UserDeactivated", {"username": cmd["username"]}, ctx)


def reactivate_user(ctx: Context, cmd: dict) -> Decision:
    row = _existing(ctx, cmd["username"])
    if row["active"]:
        raise NotAllowed(f"用户“{cmd['username']}”已是启用状态。")
    statements.set_user(ctx.tx, cmd["username"], active=True)
    return _user_event(cmd, "UserReactivated", {"username": cmd["username"]}, ctx)


def _user_stream(c: dict) -> str:
    return f"user:{c['username']}"


COMMANDS = [
    CommandSpec("create_user", CreateUser, create_user, (ADMIN,), "创建用户",
                path="/users", tags=("用户",)),
    CommandSpec("change_role", ChangeRole, change_role, (ADMIN,), "变更用户角色",
                stream=lambda c: f"user:{c['username']}", path="/users/{username}/role",
                tags=("用户",)),
    CommandSpec("deactivate_user", UserAccess, deactivate_user, (ADMIN,), "停用用户（其令牌与会话立即失效）",
                stream=_user_stream, path="/users/{username}/deactivate", tags=("用户",)),
    CommandSpec("reactivate_user", UserAccess, reactivate_user, (ADMIN,), "重新启用用户",
                stream=_user_stream, path="/users/{username}/reactivate", tags=("用户",)),
    # Reached through POST /auth/password and /auth/logout, which fill in who is asking.
    CommandSpec("change_password", ChangePassword, change_password, ROLES, "修改本人密码",
                stream=_user_stream, tags=("认证",)),
    CommandSpec("log_out", LogOut, log_out, ROLES, "退出登录", stream=_user_stream,
                tags=("认证",)),
]
