"""Each user's quiet hours (免打扰) and daily digest (每日汇总), beside their contact details; the
digests sent, and which digest delivered each message.

Revision ID: 0007n
Revises: 0006d
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0007n"
down_revision = "0006d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_contacts") as t:
        t.add_column(sa.Column("quiet_hours", sa.String(11)))
        t.add_column(sa.Column("digest", sa.String(10)))
        t.add_column(sa.Column("digest_time", sa.String(5)))
    with op.batch_alter_table("notification_deliveries") as t:
        t.add_column(sa.Column("digest_id", sa.String(120)))
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(32)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("delivered_at", sa.String(32)),
    )
    op.create_index("ix_notification_digests_status", "notification_digests", ["status"])


def downgrade() -> None:
    op.drop_table("notification_digests")
    with op.batch_alter_table("notification_deliveries") as t:
        t.drop_column("digest_id")
    with op.batch_alter_table("user_contacts") as t:
        t.drop_column("digest_time")
        t.drop_column("digest")
        t.drop_column("quiet_hours")
