"""The hash chain: each event's hash covers its own content and the previous hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


# One encoder for every call: json.dumps with options other than the defaults builds a new one
# each time, which costs more than encoding a payload.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


# orjson reads an integer beyond 64 bits as a float. A text with a run of 19 digits or more
# (such an integer, or only a long code inside a string) is left to json. The run is found by
# turning every digit into 0 and every other byte into a space, which costs less than a
# regular expression.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19


def decode_json(text: str) -> Any:
    """A stored text's value, exactly as json.loads gives it. orjson decodes in a fraction of
    the time, and a rebuild decodes every event; what it cannot give exactly (long integers) or
    refuses (NaN, Infinity, broken text) is left to json."""
    try:
        raw = text.encode()
        if _LONG_RUN not in raw.translate(_DIGITS_ONLY):
            return orjson.loads(raw)
    except (UnicodeEncodeError, orjson.JSONDecodeError):
        pass
    return json.loads(text)


def event_hash(
    position: int,
    stream_id: str,
    stream_type: str,
    version: int,
    type_: str,
    schema_version: int,
    data: str,
    meta: str,
    business_date: str | None,
    recorded_at: str,
    prev_hash: str,
) -> str:
    # A JSON array keeps field boundaries unambiguous whatever the texts contain.
    encoded = canonical_json(
        [position, stream_id, stream_type, version, type_, schema_version, data, meta,
         business_date, recorded_at, prev_hash]
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def row_hash(row: Any) -> str:
    """The hash a stored row should carry, recomputed from its columns."""
    return event_hash(
        row.position, row.stream_id, row.stream_type, row.version, row.type, row.schema_version,
        row.data, row.meta, row.business_date, row.recorded_at, row.prev_hash,
    )
