"""The ordinary tables of notifications: contacts, read marks, and the delivery of each message.

What must be told comes from the events (the ``outbox`` projection, written in the event's own
transaction). What became of each message — read in the inbox, sent by e-mail or webhook, failed —
is bookkeeping about delivery, not a fact of the bureau's work: it lives here, keyed by the
message's stable id, so a rebuild of the outbox finds it again.
"""
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

user_contacts = Table(
    "user_contacts",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("email", String(254)),
    Column("phone", String(32)),
    # what to hold and when (preferences.py): none means the system's default quiet hours
    Column("quiet_hours", String(11)),  # "22:00-07:00", or "off"
    Column("digest", String(10)),  # "immediate" (none) or "daily"
    Column("digest_time", String(5)),  # "08:30"; none: DIGEST_TIME
    Column("updated_at", String(32), nullable=False),
    Column("updated_by", String(80), nullable=False),
)

notification_reads = Table(
    "notification_reads",
    metadata,
    Column("message_id", String(120), primary_key=True),
    Column("username", String(80), nullable=False),
    Column("read_at", String(32), nullable=False),
)

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("message_id", String(120), primary_key=True),
    Column("channel", String(20), primary_key=True),  # email, webhook
    # pending, sent, failed, skipped; "digest": gathered into a digest not yet sent
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(32)),
    Column("last_error", Text),
    Column("delivered_at", String(32)),
    Column("digest_id", String(120)),  # the daily digest that carries (or carried) the message
    Index("ix_notification_deliveries_status", "status"),
)

# one a day per user and channel for those who chose the daily digest (digest.py); its id, shared by
# the channels, is ``digest-{day}-{username}``, so a repeat after a crash carries the same id
notification_digests = Table(
    "notification_digests",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("username", String(80), nullable=False),
    Column("day", String(10), nullable=False),  # the local day of its digest time
    Column("status", String(20), nullable=False),  # pending, sent, failed, skipped
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(32)),
    Column("last_error", Text),
    Column("created_at", String(32), nullable=False),
    Column("delivered_at", String(32)),
    Index("ix_notification_digests_status", "status"),
)

# every attempt, successful or not: what the scheduler did, for the admins
notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(120), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("at", String(32), nullable=False),
    Column("outcome", String(20), nullable=False),  # sent, error, failed
    Column("error", Text),
)
