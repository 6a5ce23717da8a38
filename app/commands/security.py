"""Security facts (安全日志): logins, locks and refused actions, into stream ``security:log``.

They are recorded as the system actor (the client's address in the metadata): the person
they concern is in the data, and may be nobody with an account. No role may issue them; the
login and the refusal paths do (app/auth/security_log.py). They carry no business state: no
projection folds them.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.actors import ADMIN, INSPECTOR, Actor
from ..domain.errors import InvalidCommand
from ..events.model import NewEvent
from .base import CommandSpec, Context, Decision

STREAM = "security:log"
STREAM_TYPE = "security"
# Who may read the security log (who logged in from where, who was refused what).
READERS = (ADMIN, INSPECTOR)


def may_read_security_log(actor: Actor) -> bool:
    return actor.role in READERS

_TEXT = validate.Length(max=500)


class RecordLogin(Schema):
    outcome = fields.String(required=True,
                            validate=validate.OneOf(("succeeded", "failed", "locked")))
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    username_hmac = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=64))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(("unknown_user", "bad_password", "inactive")))
    client_address = fields.String(load_default=None, allow_none=True, validate=_TEXT)
    until = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class RecordRefusal(Schema):
    username = fields.String(required=True, validate=validate.Length(max=80))
    role = fields.String(required=True, validate=validate.Length(max=30))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    path = fields.String(required=True, validate=_TEXT)
    method = fields.String(required=True, validate=validate.Length(max=10))
    action = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    message = fields.String(required=True, validate=_TEXT)


def _fact(ctx: Context, event: str, data: dict) -> Decision:
    return Decision(STREAM, STREAM, STREAM_TYPE, [NewEvent(event, data, ctx.today)])


def _missing(cmd: dict) -> dict[str, list[str]]:
    # Checked here rather than by a schema hook, so that the payload loads the quicker way.
    if not (cmd["username"] or cmd["username_hmac"]):
        return {"username": ["须有用户名或其散列值。"]}
    if cmd["outcome"] == "succeeded" and not cmd["username"]:
        return {"username": ["登录成功须有用户名。"]}
    if cmd["outcome"] == "failed" and not cmd["reason"]:
        return {"reason": ["登录失败须有原因。"]}
    if cmd["outcome"] == "locked" and not cmd["until"]:
        return {"until": ["锁定须有截止时刻。"]}
    return {}


def record_login(ctx: Context, cmd: dict) -> Decision:
    missing = _missing(cmd)
    if missing:
        raise InvalidCommand("输入有误，请检查标出的字段。", missing)
    who = {"username": cmd["username"], "username_hmac": cmd["username_hmac"]}
    if cmd["outcome"] == "succeeded":
        return _fact(ctx, "LoginSucceeded", {"username": cmd["username"],
                                             "client_address": cmd["client_address"]})
    if cmd["outcome"] == "failed":
        return _fact(ctx, "LoginFailed", {**who, "reason": cmd["reason"],
                                          "client_address": cmd["client_address"]})
    return _fact(ctx, "LoginLocked", {**who, "client_address": cmd["client_address"],
                                      "until": cmd["until"]})


def record_refusal(ctx: Context, cmd: dict) -> Decision:
    return _fact(ctx, "AccessRefused", dict(cmd))


COMMANDS = [
    CommandSpec("record_login", RecordLogin, record_login, (), "记录登录（系统）", tags=("安全",)),
    CommandSpec("record_refusal", RecordRefusal, record_refusal, (), "记录越权操作（系统）",
                tags=("安全",)),
]
