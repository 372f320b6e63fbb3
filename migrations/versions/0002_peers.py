"""Peers, replay cache and catalogue mirror

Revision ID: 0002_peers
Revises: 0001_initial
Create Date: 2026-11-21 22:10:05.770630
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0002_peers"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column(
            "status", sa.Enum("active", "suspended", "removed", name="peerstatus", native_enum=False), nullable=False
        ),
        sa.Column("trust", sa.Enum("registry", "pinned", name="trustsource", native_enum=False), nullable=False),
        sa.Column("joined_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("added_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("sync_cursor", sa.Integer(), nullable=False),
        sa.Column("last_synced_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("sync_requested_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer")),
        sa.UniqueConstraint("node_id", name=op.f("uq_peer_node_id")),
    )
    op.create_table(
        "seen_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seen_nonce")),
        sa.UniqueConstraint("key_id", "nonce", name=op.f("uq_seen_nonce_key_id")),
    )
    with op.batch_alter_table("seen_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_nonce_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "mirrored_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("service_kind", sa.String(length=50), nullable=True),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("sectors", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("starts_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("ends_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peer.id"], name=op.f("fk_mirrored_item_peer_id_peer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mirrored_item")),
        sa.UniqueConstraint("peer_id", "uid", name=op.f("uq_mirrored_item_peer_id")),
    )
    with op.batch_alter_table("mirrored_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mirrored_item_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_peer_id"), ["peer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_service_kind"), ["service_kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "peer_key",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("jwk", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["peer_id"], ["peer.id"], name=op.f("fk_peer_key_peer_id_peer"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_peer_key")),
    )
    with op.batch_alter_table("peer_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_key_peer_id"), ["peer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("peer_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_key_peer_id"))

    op.drop_table("peer_key")
    with op.batch_alter_table("mirrored_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mirrored_item_starts_at"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_service_kind"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_peer_id"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_kind"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_country"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_city"))

    op.drop_table("mirrored_item")
    with op.batch_alter_table("seen_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_nonce_expires_at"))

    op.drop_table("seen_nonce")
    op.drop_table("peer")
