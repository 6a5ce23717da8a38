"""Security facts: logins, locks and refused actions (stream ``security:log``).

A username that matches no account is never stored as typed (it may be a password typed
into the wrong box, or someone else's name): only its keyed hash (HMAC-SHA256 with the
secret key), so that repeated attempts with one name can still be told apart.
"""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class LoginSucceeded(Schema):
    username = fields.String(required=True)
    client_address = fields.String(allow_none=True)


class LoginFailed(Schema):
    username = fields.String(allow_none=True)  # None when no account has that name
    username_hmac = fields.String(allow_none=True)
    reason = fields.String(required=True)  # unknown_user, bad_password, inactive
    client_address = fields.String(allow_none=True)


class LoginLocked(Schema):
    username = fields.String(allow_none=True)
    username_hmac = fields.String(allow_none=True)
    client_address = fields.String(allow_none=True)
    until = fields.String(required=True)  # the instant the lock ends (UTC)


class AccessRefused(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True)
    path = fields.String(required=True)
    method = fields.String(required=True)
    action = fields.String(allow_none=True)  # the command or screen refused
    message = fields.String(required=True)


def register(registry: EventRegistry) -> None:
    registry.register("LoginSucceeded", LoginSucceeded)
    registry.register("LoginFailed", LoginFailed)
    registry.register("LoginLocked", LoginLocked)
    registry.register("AccessRefused", AccessRefused)
