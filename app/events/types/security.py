"""Security facts: failed logins and refused actions (stream ``security:log``)."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class LoginFailed(Schema):
    username = fields.String(required=True)
    reason = fields.String(required=True)  # unknown_user, bad_password, inactive
    client_address = fields.String(allow_none=True)


class AccessRefused(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True)
    path = fields.String(required=True)
    method = fields.String(required=True)
    action = fields.String(allow_none=True)  # the command or screen refused
    message = fields.String(required=True)


def register(registry: EventRegistry) -> None:
    registry.register("LoginFailed", LoginFailed)
    registry.register("AccessRefused", AccessRefused)
