"""PostgreSQL: take the append lock and read in one statement.

Inside a VOLATILE function each statement takes a fresh snapshot, so the read below sees every
event committed before the lock was granted, which a plain SELECT issued with the lock in the
same statement would not. One round trip instead of two for every write transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Output names differ from the table's: in PL/pgSQL they are variables in the body too.
EVENT_COLUMNS = """r_position bigint, r_stream_id varchar, r_stream_type varchar,
    r_version integer, r_type varchar, r_schema_version integer, r_data text, r_meta text,
    r_business_date varchar, r_recorded_at varchar, r_prev_hash varchar, r_hash varchar"""

FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION duban_locked_stream(lock_key bigint, sid varchar,
            after_version integer)
        RETURNS TABLE (r_part integer, {EVENT_COLUMNS}) AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock(lock_key);
          RETURN QUERY
            SELECT * FROM (
              SELECT 0, e.* FROM events e WHERE e.stream_id = sid AND e.version > after_version
              UNION ALL
              (SELECT 1, h.* FROM events h ORDER BY h.position DESC LIMIT 1)) AS r
            ORDER BY 1, 5;
        END $$ LANGUAGE plpgsql VOLATILE""",
    """CREATE OR REPLACE FUNCTION duban_locked_head(lock_key bigint, sid varchar)
        RETURNS TABLE (stream_version integer, head_position bigint, head_hash varchar,
                       head_recorded_at varchar) AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock(lock_key);
          RETURN QUERY
            SELECT (SELECT max(e.version) FROM events e WHERE e.stream_id = sid),
                   h.position, h.hash::varchar, h.recorded_at::varchar
            FROM events h ORDER BY h.position DESC LIMIT 1;
        END $$ LANGUAGE plpgsql VOLATILE""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS duban_locked_stream(bigint, varchar, integer)")
    op.execute("DROP FUNCTION IF EXISTS duban_locked_head(bigint, varchar)")
