"""The append-only events table and the record of commands already handled."""
from __future__ import annotations

from collections import namedtuple

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

# Text columns hold exactly the bytes that were hashed (canonical JSON, ISO
# instants in UTC), so that verifying the chain never depends on how a
# database re-encodes JSON or timestamps.
events = Table(
    "events",
    metadata,
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("stream_type", String(50), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("meta", Text, nullable=False),
    Column("business_date", String(10)),
    Column("recorded_at", String(32), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    Index("ix_events_recorded_at", "recorded_at"),
    Index("ix_events_type", "type"),
)

# The event's columns in the table's order, named here once: every statement the recorders write
# lists them in this order, and a row read back is an EventRow.
EVENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in events.columns)
EventRow = namedtuple("EventRow", EVENT_COLUMNS)
# What a projection fold reads: the event without its metadata and chain (None when decoded).
CHAIN_COLUMNS = ("meta", "prev_hash", "hash")
FOLD_COLUMNS: tuple[str, ...] = tuple(c for c in EVENT_COLUMNS if c not in CHAIN_COLUMNS)

# Idempotency: a command id seen before returns the answer it got the first time, to the user
# who sent it, for the same command and body (migration 0006b); NULL where not known (older rows).
command_results = Table(
    "command_results",
    metadata,
    Column("command_id", String(200), primary_key=True),
    Column("result", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("username", String(100)),
    Column("command", String(100)),
    Column("body_hash", String(64)),
)
