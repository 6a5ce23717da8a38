"""Refusals. Each carries the HTTP status the API answers with and a Chinese message."""
from __future__ import annotations


class CommandError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class InvalidCommand(CommandError):
    status, code = 400, "invalid"


class Unauthenticated(CommandError):
    status, code = 401, "unauthenticated"


class Forbidden(CommandError):
    status, code = 403, "forbidden"


class NotFound(CommandError):
    status, code = 404, "not_found"


class Conflict(CommandError):
    status, code = 409, "conflict"


class NotAllowed(CommandError):
    status, code = 422, "not_allowed"
