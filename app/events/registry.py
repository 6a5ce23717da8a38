"""Payload schemas per event type, with their version and upcasters.

An event is stored with the schema version it was written under and is never
rewritten; reading it runs the upcasters from that version to today's, so every
reader sees today's shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from marshmallow import Schema

from .. import fast_paths
from .payload_check import Check, compile_check

Upcaster = Callable[[dict], dict]


class UnknownEventType(KeyError):
    pass


class InvalidPayload(ValueError):
    def __init__(self, event_type: str, errors: dict):
        super().__init__(f"{event_type}: {errors}")
        self.event_type = event_type
        self.errors = errors


@dataclass
class EventType:
    name: str
    schema: Schema
    version: int = 1
    # upcasters[n] turns a version-n payload into a version-(n+1) payload
    upcasters: dict[int, Upcaster] = field(default_factory=dict)
    # a quick yes for payloads marshmallow would surely accept (payload_check.py)
    check: Check | None = None

    def upcast(self, data: dict, from_version: int) -> dict:
        for v in range(from_version, self.version):
            data = self.upcasters[v](data)
        return data


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}

    def register(self, name: str, schema: type[Schema] | Schema, version: int = 1,
                 upcasters: dict[int, Upcaster] | None = None) -> EventType:
        inst = schema() if isinstance(schema, type) else schema
        missing = [v for v in range(1, version) if v not in (upcasters or {})]
        if missing:
            raise ValueError(f"{name}: no upcaster from version(s) {missing}")
        check = compile_check(inst) if fast_paths.enabled() else None
        et = EventType(name, inst, version, dict(upcasters or {}), check)
        self._types[name] = et
        return et

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def names(self) -> list[str]:
        return sorted(self._types)

    def validate(self, name: str, data: dict) -> int:
        """Check a new payload against today's schema; return the version to store."""
        et = self.get(name)
        if et.check is not None and et.check(data):
            return et.version
        errors = et.schema.validate(data)
        if errors:
            raise InvalidPayload(name, errors)
        return et.version

    def upcast_versions(self) -> dict[str, int]:
        """The types whose payloads are rewritten when read if stored before this version."""
        return {name: et.version for name, et in self._types.items() if et.version > 1}

    def upcast(self, name: str, data: dict, schema_version: int) -> dict:
        et = self._types.get(name)
        if et is None or schema_version >= et.version:
            return data
        return et.upcast(data, schema_version)
