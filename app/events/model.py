"""Events as the rest of duban sees them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import Any

from .chain import canonical_json, decode_json

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_instant(moment: datetime) -> str:
    """INSTANT_FORMAT's text; isoformat writes it in a fraction of strftime's time."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class NewEvent:
    """An event a handler decided on, not yet stored."""

    type: str
    data: dict[str, Any]
    business_date: date | None = None


# Not frozen: a frozen dataclass costs several times more to build, and the rebuild builds millions.
@dataclass(slots=True)
class RecordedEvent:
    position: int
    stream_id: str
    stream_type: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    meta_text: str | None  # None, as prev_hash and hash, when read for a projection fold
    business_date: str | None
    recorded_at: str
    prev_hash: str | None
    hash: str | None

    @property
    def meta(self) -> dict[str, Any]:
        # Decoded on demand: projections rarely need it and the rebuild reads millions.
        return decode_json(self.meta_text)

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.business_date) if self.business_date else None


@dataclass(frozen=True)
class Metadata:
    """Who issued the command that produced the events, and from where."""

    actor: str
    role: str
    unit: str | None = None
    command_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    client_address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = {
            "actor": self.actor, "role": self.role, "unit": self.unit,
            "command_id": self.command_id, "correlation_id": self.correlation_id,
            "causation_id": self.causation_id, "client_address": self.client_address,
        }
        d.update(self.extra)
        return d

    @cached_property
    def text(self) -> str:
        """The canonical JSON stored with each event; once per command, however many events."""
        return canonical_json(self.as_dict())
