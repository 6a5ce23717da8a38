"""Users and access: ordinary tables (passwords must be changeable and never enter the event
history; login attempts and revoked tokens are working state, not facts of the domain)."""
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(30), nullable=False),
    Column("unit", String(50)),
    Column("display_name", String(80)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
    # Every token and session carries the generation it was issued under; bumping it (password
    # change, deactivation, logout everywhere) refuses all of them at once.
    Column("token_generation", Integer, nullable=False, default=0),
)

# One row per login attempt: what the lock counts, and what the per-address cap on recorded
# security facts counts. The username is kept only as a keyed hash (what was typed may be
# a password, or the name of someone who has no account).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username_key", String(64), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("attempted_at", String(32), nullable=False),  # format_instant: sorts as it reads
    # success, failure, lock (the failure that locked the pair), locked (refused while locked)
    Column("outcome", String(10), nullable=False),
    Column("recorded", Boolean, nullable=False),  # False: over the address's cap, not appended
    Index("ix_login_attempts_pair", "username_key", "client_address", "attempted_at"),
    Index("ix_login_attempts_address", "client_address", "attempted_at"),
)

# Tokens logged out one by one, until they would have expired anyway.
revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("username", String(80), nullable=False),
    Column("expires_at", String(32), nullable=False),
)
