"""Browser sessions held on the server (replacing the per-account session epoch); API tokens' scope, password-change rule and parent

Revision ID: 0012_sessions_and_token_scopes
Revises: 0011_receipt_checks
Create Date: 2026-12-10 10:00:00.000000

Sessions: log-ins made before this migration carry no server-side session id, so they end; their
people log in again once. ``user_account.session_epoch`` is dropped with SQLite's own ``ALTER
TABLE ... DROP COLUMN`` (SQLite 3.35 or later), not by copying the table: a copy would drop the
old table, and its implicit delete would cascade to the accounts' tokens and sessions.

Tokens made before this migration keep working as they did: their scope is ``write`` (all their
user may do, as before; there were no read tokens) and they were made with no other token. They
are not made to keep (``keep_on_password_change`` false): like every token from now on, each ends
at its account's next password change, since a password is changed when it may have leaked, and a
token made by whoever held it must end with it. An API client whose owner changes the password
then needs a new token (``roaming tokens create``, with ``--keep-on-password-change`` for one that
should not end so).
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0012_sessions_and_token_scopes"
down_revision = "0011_receipt_checks"
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
    with op.batch_alter_table("api_token", schema=None) as batch_op:  # copied on SQLite: nothing refers to it
        batch_op.add_column(sa.Column("scope", sa.String(length=5), nullable=False, server_default="write"))
        batch_op.add_column(
            sa.Column("keep_on_password_change", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_token_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_token_parent_id_api_token"), "api_token", ["parent_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_token_parent_id_api_token"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_token_parent_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("keep_on_password_change")
        batch_op.drop_column("scope")
    with op.batch_alter_table("user_account", schema=None) as batch_op:  # adds the column in place
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("browser_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browser_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_browser_session_expires_at"))
    op.drop_table("browser_session")
