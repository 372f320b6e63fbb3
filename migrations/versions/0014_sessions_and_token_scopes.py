"""Browser sessions held on the server (replacing the per-account session epoch)

Revision ID: 0014_sessions_and_token_scopes
Revises: 0010_search_order
Create Date: 2026-12-10 10:00:00.000000

Sessions: log-ins made before this migration carry no server-side session id, so they end; their
people log in again once. ``user_account.session_epoch`` is dropped with SQLite's own ``ALTER
TABLE ... DROP COLUMN`` (SQLite 3.35 or later), not by copying the table: a copy would drop the
old table, and its implicit delete would cascade to the accounts' tokens and sessions.
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0014_sessions_and_token_scopes"
down_revision = "0010_search_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "browser_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_browser_session_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_browser_session")),
    )
    with op.batch_alter_table("browser_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_browser_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_browser_session_user_id"), ["user_id"], unique=False)
    op.drop_column("user_account", "session_epoch")


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:  # adds the column in place
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("browser_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browser_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_browser_session_expires_at"))
    op.drop_table("browser_session")
