"""webhooks: endpoints and deliveries

Revision ID: webhooks_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "webhooks_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhooks_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_endpoint")),
    )
    op.create_table(
        "webhooks_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("failed_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhooks_endpoint.id"],
            name=op.f("fk_webhooks_delivery_endpoint_id_webhooks_endpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_delivery")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhooks_delivery_message_id")),
    )
    op.create_index(op.f("ix_webhooks_delivery_endpoint_id"), "webhooks_delivery", ["endpoint_id"], unique=False)
    op.create_index(
        op.f("ix_webhooks_delivery_next_attempt_at"), "webhooks_delivery", ["next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhooks_delivery_next_attempt_at"), table_name="webhooks_delivery")
    op.drop_index(op.f("ix_webhooks_delivery_endpoint_id"), table_name="webhooks_delivery")
    op.drop_table("webhooks_delivery")
    op.drop_table("webhooks_endpoint")
