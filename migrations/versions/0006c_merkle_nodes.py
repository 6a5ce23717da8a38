"""The Merkle tree's cache: hashes of complete subtrees of the event log, by (level, index).

Only subtrees of 64 leaves and more are kept (level ≥ 6): those below are one short range read
of the events away. A complete subtree never changes in an append-only log, so a row, once
written, stays right; the rows always cover a prefix of the log (see app/audit/tree.py).

Revision ID: 0006c
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006c"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merkle_nodes")
