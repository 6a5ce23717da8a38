"""Uploads: an ordinary table, not events.

An upload is not yet a fact of the history: nothing happened until a command names the file, and
then that command's event records the file's hash, name, size and type (so the chain covers it).
A file nobody names is removed after a grace period, and its upload row with it; as an event it
would stand for ever beside a file that is gone.
"""
from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table

metadata = MetaData()

uploads = Table(
    "uploads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("uploaded_by", String(80), nullable=False),
    Column("uploaded_at", String(32), nullable=False),  # ISO 8601, UTC
    # what an image says of itself (EXIF): when and where it was taken
    Column("taken_at", String(32)),
    Column("latitude", Float),
    Column("longitude", Float),
    Index("ix_uploads_sha256", "sha256"),
)
