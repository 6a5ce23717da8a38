"""PostgreSQL: take the append lock and check that the head is the one a process expects.

A process that knows the head it left behind decides a command from what it remembers and sends
its writes in one round trip, behind this check; if another process appended meanwhile the check
fails with serialization_failure (40001), everything sent with it is undone, and the command is
decided again from the database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FUNCTION = """CREATE OR REPLACE FUNCTION duban_expect_head(lock_key bigint, expected_position bigint,
        expected_hash varchar) RETURNS integer AS $$
    DECLARE
      head_position bigint;
      head_hash varchar;
    BEGIN
      PERFORM pg_advisory_xact_lock(lock_key);
      SELECT h.position, h.hash INTO head_position, head_hash
        FROM events h ORDER BY h.position DESC LIMIT 1;
      IF coalesce(head_position, 0) <> expected_position
         OR (head_position IS NOT NULL AND head_hash <> expected_hash) THEN
        RAISE EXCEPTION 'duban: the head moved' USING ERRCODE = 'serialization_failure';
      END IF;
      RETURN 1;
    END $$ LANGUAGE plpgsql VOLATILE"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS duban_expect_head(bigint, bigint, varchar)")
