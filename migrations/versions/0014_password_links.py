"""One-time links to set a password, sent by e-mail (invitations and password resets): only the
SHA-256 of each link's token is kept, one link per account; a notification holding such a link
has its text emptied once it is sent (``notification.erase_when_sent``)

Revision ID: 0014_password_links
Revises: 0013_needs_attention
Create Date: 2026-12-08 04:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0014_password_links"
down_revision = "0013_needs_attention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_password_link_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_link_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_password_link_user_id")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erase_when_sent", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("erase_when_sent")
    op.drop_table("password_link")
