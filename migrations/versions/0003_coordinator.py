"""Coordinator memberships and the registry copy

Revision ID: 0003_coordinator
Revises: 0002_peers
Create Date: 2026-11-21 22:14:17.362232
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0003_coordinator"
down_revision = "0002_peers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "application", "review", "admitted", "suspended", "removed", name="membershipstatus", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("applied_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("admitted_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("suspended_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("removed_at", roaming.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("node_id", name=op.f("uq_membership_node_id")),
    )
    op.create_table(
        "registry_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("accepted_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("coordinator_keys", sa.JSON(), nullable=False),
        sa.Column("last_attempt_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_copy")),
    )
    op.create_table(
        "registry_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_version")),
    )


def downgrade() -> None:
    op.drop_table("registry_version")
    op.drop_table("registry_copy")
    op.drop_table("membership")
