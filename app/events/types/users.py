"""User events: who was given access, and with which role (the password never enters)."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class UserCreated(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)


class UserRoleChanged(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True)


class UserAccessChanged(Schema):
    """PasswordChanged, UserDeactivated, UserReactivated: whose access changed (no password)."""
    username = fields.String(required=True)


class UserLoggedOut(Schema):
    username = fields.String(required=True)
    everywhere = fields.Boolean(required=True)  # every token and session, not only this one


def register(registry: EventRegistry) -> None:
    registry.register("UserCreated", UserCreated)
    registry.register("UserRoleChanged", UserRoleChanged)
    registry.register("PasswordChanged", UserAccessChanged)
    registry.register("UserDeactivated", UserAccessChanged)
    registry.register("UserReactivated", UserAccessChanged)
    registry.register("UserLoggedOut", UserLoggedOut)
