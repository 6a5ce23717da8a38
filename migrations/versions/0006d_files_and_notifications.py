"""Uploaded evidence files (附件); users' contact details and the delivery of notifications.

Revision ID: 0006d
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006d"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("uploaded_by", sa.String(80), nullable=False),
        sa.Column("uploaded_at", sa.String(32), nullable=False),
        sa.Column("taken_at", sa.String(32)),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
    )
    op.create_index("ix_uploads_sha256", "uploads", ["sha256"])
    op.create_table(
        "user_contacts",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(32)),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "notification_reads",
        sa.Column("message_id", sa.String(120), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("read_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("message_id", sa.String(120), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(32)),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", sa.String(32)),
    )
    op.create_index("ix_notification_deliveries_status", "notification_deliveries", ["status"])
    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.Text),
    )


def downgrade() -> None:
    for name in ("notification_attempts", "notification_deliveries", "notification_reads",
                 "user_contacts", "uploads"):
        op.drop_table(name)
