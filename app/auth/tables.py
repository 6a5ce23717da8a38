"""Users: an ordinary table (passwords must be changeable and never enter the event history)."""
from sqlalchemy import Boolean, Column, MetaData, String, Table

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
)
