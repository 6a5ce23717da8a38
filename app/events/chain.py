"""The hash chain: each event's hash covers its own content and the previous hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


# The canonical text is json's: sorted keys, no spaces, text as it is (not \u-escaped). Every
# stored hash was computed over such texts, so whatever writes them must write exactly these.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

# orjson writes the same text in a fraction of the time (a command encodes its payload, its
# metadata and the array its hash covers). Where it would write something else, json writes:
# - a float other than 0 below 1e-4 in size, or of 1e16 and more, which json writes with an
#   exponent (1e-05, 1e+16) and orjson may write in full (0.00001); NaN and the infinities,
#   which orjson writes as null. Floats are looked for in the value, not in the text, where a
#   hash's hex digits look like exponents;
# - what orjson refuses or is told to pass on (to no default, so refused): integers beyond
#   64 bits, lone surrogates, keys that are not text, dates, dataclasses, and subclasses of
#   str, int, dict and list, whose floats the search above would not look into.
# A UUID or an Enum is not a JSON value; json refuses it where orjson writes it, and nothing
# duban encodes is one (payloads are checked against their schemas first).
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


def canonical_json(value: Any) -> str:
    if _floats_as_json_writes_them(value):
        try:
            return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
        except TypeError:
            pass
    return _CANONICAL.encode(value)


def _floats_as_json_writes_them(value: Any) -> bool:
    """True if orjson writes every float in the value as json does (dicts, lists and tuples are
    looked into; anything else orjson takes holds no float)."""
    t = type(value)
    if t is dict:
        items = value.values()
    elif t is list or t is tuple:
        items = value
    else:
        return t is not float or 1e-4 <= abs(value) < 1e16 or value == 0.0  # NaN fails both
    for v in items:
        t = type(v)
        if t is str or v is None:
            continue
        if (t is float or t is dict or t is list or t is tuple) and \
                not _floats_as_json_writes_them(v):
            return False
    return True


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
