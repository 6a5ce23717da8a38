"""A quicker load of a command's payload, for the plain schemas commands have.

``Schema.load`` wraps every field's own ``deserialize`` in general machinery: a getter made per
field per call, an error store, partial loading, the set of known keys built anew to find unknown
ones, the hooks looked up. For a schema with no hooks, unknown keys refused, every field under
its own name and of a plain kind, the same result comes from calling each field's
``deserialize`` in turn, as ``Schema.load`` itself calls it. Whatever this path cannot take (a key
no field has, a value a field refuses) is left to ``Schema.load``, which gives the verdict and
the messages: this path only ever answers with what ``Schema.load`` would answer.
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema, ValidationError, fields, missing

from ..events.payload_check import judged_by_fields_alone

Loader = Callable[[dict], "dict[str, Any] | None"]

# Kinds whose deserialize depends on nothing but the value (no parent schema, no context).
_PLAIN = (fields.String, fields.Number, fields.Boolean, fields.Date, fields.DateTime)


def _plain(field: fields.Field) -> bool:
    if isinstance(field, fields.List):
        return _plain(field.inner)  # type: ignore[attr-defined]
    return isinstance(field, _PLAIN)


def compile_loader(schema: Schema) -> Loader | None:
    """``schema.load`` for a payload it takes as it is, None for any other payload; or no loader
    at all if the schema has anything only ``Schema.load`` can do."""
    if not judged_by_fields_alone(schema) or schema.many or schema.partial:
        return None
    plan = []
    for name, field in schema.load_fields.items():
        if (field.data_key is not None or field.attribute is not None or "." in name
                or not _plain(field)):
            return None
        plan.append((name, field.deserialize))
    known = frozenset(name for name, _ in plan)

    def load(data: dict) -> dict[str, Any] | None:
        if type(data) is not dict or not known.issuperset(data):
            return None
        out: dict[str, Any] = {}
        get = data.get
        try:
            for name, deserialize in plan:
                value = deserialize(get(name, missing), name, data)
                if value is not missing:
                    out[name] = value
        except ValidationError:
            return None
        return out
    return load
