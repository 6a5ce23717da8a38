"""Access that can be taken back: token generations, login attempts, revoked tokens.

Revision ID: 0006a
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006a"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_generation", sa.Integer, nullable=False,
                                   server_default="0"))
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username_key", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("recorded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_pair", "login_attempts",
                    ["username_key", "client_address", "attempted_at"])
    op.create_index("ix_login_attempts_address", "login_attempts",
                    ["client_address", "attempted_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revoked_tokens")
    op.drop_index("ix_login_attempts_address", "login_attempts")
    op.drop_index("ix_login_attempts_pair", "login_attempts")
    op.drop_table("login_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
