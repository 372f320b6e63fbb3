"""Outbox, inbox and peer delivery health

Revision ID: 0004_outbox
Revises: 0003_coordinator
Create Date: 2026-11-21 22:26:56.048442
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0004_outbox"
down_revision = "0003_coordinator"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer.id"], name=op.f("fk_inbox_message_peer_id_peer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_message")),
        sa.UniqueConstraint("peer_id", "message_id", name=op.f("uq_inbox_message_peer_id")),
    )
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_message_peer_id"), ["peer_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("failed_at", roaming.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer.id"], name=op.f("fk_outbox_message_peer_id_peer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_delivered_at"), ["delivered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_peer_id"), ["peer_id"], unique=False)

    with op.batch_alter_table("peer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failing_since", roaming.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("breaker_open_until", roaming.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("unavailable_since", roaming.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_delivery_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("peer", schema=None) as batch_op:
        batch_op.drop_column("last_delivery_error")
        batch_op.drop_column("unavailable_since")
        batch_op.drop_column("breaker_open_until")
        batch_op.drop_column("failing_since")
        batch_op.drop_column("consecutive_failures")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_peer_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_delivered_at"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_message_peer_id"))

    op.drop_table("inbox_message")
