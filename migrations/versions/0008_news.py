"""News items for the "Cluster in focus" newsletter, and people's newsletter subscription

Revision ID: 0008_news
Revises: 0007_plugins
Create Date: 2026-11-22 02:10:23.762257
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0008_news"
down_revision = "0007_plugins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "news_item",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("published_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_item")),
        sa.UniqueConstraint("uid", name=op.f("uq_news_item_uid")),
    )
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_news_item_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_published_at"), ["published_at"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("newsletter", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("newsletter")

    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_item_published_at"))
        batch_op.drop_index(batch_op.f("ix_news_item_change_seq"))

    op.drop_table("news_item")
