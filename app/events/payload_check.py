"""A quick test that a new event's payload is surely valid, before marshmallow is asked.

Every payload is checked against its schema before it is written, because an invalid event,
once written, is there for good. Handlers build their payloads from commands already validated,
so nearly every payload is valid, and marshmallow's general machinery is a tenth of a command's
cost. For the plain schemas most events have (strings, numbers, flags, lists of those, objects of
such schemas; no hooks,
no validators), ``compile_check`` builds a test that only says yes when marshmallow would surely
accept the payload too: exact types, required keys present, null only where allowed, no unknown
key. Anything else it cannot vouch for goes to marshmallow, which gives the verdict and the
messages, so the test never lets through what marshmallow would refuse.

A fast path: with ``DUBAN_FAST_PATHS=0`` the registry compiles no test and marshmallow judges
every payload.
"""
from __future__ import annotations

import math
from typing import Callable

from marshmallow import RAISE, Schema, fields

Check = Callable[[dict], bool]
_BIG = 2 ** 53  # an int a Float field takes without rounding or overflow


def _string(v: object) -> bool:
    return type(v) is str


def _integer(v: object) -> bool:
    return type(v) is int


def _float(v: object) -> bool:
    t = type(v)
    return (t is float and math.isfinite(v)) or (t is int and -_BIG < v < _BIG)  # type: ignore[operator]


def _boolean(v: object) -> bool:
    return type(v) is bool


_PLAIN: dict[type, Callable[[object], bool]] = {
    fields.String: _string, fields.Integer: _integer, fields.Float: _float,
    fields.Boolean: _boolean,
}


def _value_check(field: fields.Field) -> Callable[[object], bool] | None:
    """A test of one non-null value, or None when the field is not plain enough to vouch for."""
    if field.validators or field.data_key is not None:
        return None
    kind = type(field)  # exact type: a subclass (Email, Url, ...) may add validators of its own
    if kind is fields.Float and field.allow_nan:  # type: ignore[attr-defined]
        return None
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind is fields.List:
        inner = field.inner  # type: ignore[attr-defined]
        item = _value_check(inner) if not inner.allow_none else None
        if item is None:
            return None
        return lambda v: type(v) is list and all(map(item, v))
    if kind is fields.Nested and not field.many and not field.only and not field.exclude \
            and field.unknown is None:  # type: ignore[attr-defined]
        # one object of a plain schema (an attachment's record): its own quick test, or none
        return compile_check(field.schema)  # type: ignore[attr-defined]
    return None


def judged_by_fields_alone(schema: Schema) -> bool:
    """True if, beyond its fields' own work, the schema only refuses unknown keys: no hooks, no
    unknown keys let through. Only for such a schema can a quicker path stand in for it."""
    hooks = type(schema).resolve_hooks()  # SchemaMeta's public account of the decorated hooks
    return not any(hooks.values()) and schema.unknown == RAISE


def compile_check(schema: Schema) -> Check | None:
    """A test that a payload is surely valid for ``schema``, or None if it has anything that
    only marshmallow can judge (hooks, validators, nested schemas, other field kinds)."""
    if not judged_by_fields_alone(schema):
        return None
    required: list[str] = []
    checks: dict[str, tuple[Callable[[object], bool], bool]] = {}
    for name, field in schema.load_fields.items():
        test = _value_check(field)
        if test is None:
            return None
        checks[name] = (test, field.allow_none)
        if field.required:
            required.append(name)

    def check(data: dict) -> bool:
        if type(data) is not dict:
            return False
        for name in required:
            if name not in data:
                return False
        for key, value in data.items():
            entry = checks.get(key)
            if entry is None:
                return False
            if value is None:
                if not entry[1]:
                    return False
            elif not entry[0](value):
                return False
        return True
    return check
