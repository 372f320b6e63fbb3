"""deskcal: busy days and feed states

Revision ID: deskcal_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "deskcal_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deskcal_busy_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("desk_uid", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deskcal_busy_day")),
        sa.UniqueConstraint("desk_uid", "day", name=op.f("uq_deskcal_busy_day_desk_uid")),
    )
    op.create_table(
        "deskcal_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("desk_uid", sa.String(length=36), nullable=False),
        sa.Column("read_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("busy_days", sa.Integer(), nullable=False),
        sa.Column("failed_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deskcal_feed")),
        sa.UniqueConstraint("desk_uid", name=op.f("uq_deskcal_feed_desk_uid")),
    )


def downgrade() -> None:
    op.drop_table("deskcal_feed")
    op.drop_table("deskcal_busy_day")
