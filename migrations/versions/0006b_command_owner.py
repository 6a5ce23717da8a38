"""A command id belongs to one user and one command: who sent it, which command, what body.

The answer a command id got is given again only to the same user sending the same command with
the same body; anything else is refused (409). Results recorded before this revision learn their
user and command from the event their answer names (its ``position``); their body was not kept,
so it is not compared.

Revision ID: 0006b
Revises: 0005
Create Date: 2026-12-01
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0006b"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("command_results") as batch:
        batch.add_column(sa.Column("username", sa.String(100)))
        batch.add_column(sa.Column("command", sa.String(100)))
        batch.add_column(sa.Column("body_hash", sa.String(64)))
    _backfill(op.get_bind())


def _backfill(conn) -> None:
    results = sa.table("command_results", sa.column("command_id"), sa.column("result"),
                       sa.column("username"), sa.column("command"))
    events = sa.table("events", sa.column("position"), sa.column("meta"))
    rows = conn.execute(sa.select(results.c.command_id, results.c.result)).all()
    for command_id, text in rows:
        position = json.loads(text).get("position")
        if position is None:  # the command appended nothing: no event names its sender
            continue
        meta = conn.execute(sa.select(events.c.meta).where(events.c.position == position)).scalar()
        if meta is None:
            continue
        meta = json.loads(meta)
        conn.execute(sa.update(results).where(results.c.command_id == command_id)
                     .values(username=meta.get("actor"), command=meta.get("command")))


def downgrade() -> None:
    with op.batch_alter_table("command_results") as batch:
        batch.drop_column("body_hash")
        batch.drop_column("command")
        batch.drop_column("username")
