"""The event store: append-only events guarded by triggers, and command results.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, '事件只能追加，不能修改 (events are append-only)'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, '事件只能追加，不能删除 (events are append-only)'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION '事件只能追加，不能修改或删除 (events are append-only)';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_type", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("business_date", sa.String(10)),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "command_results",
        sa.Column("command_id", sa.String(200), primary_key=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    else:
        op.drop_table("events")
    op.drop_table("command_results")
