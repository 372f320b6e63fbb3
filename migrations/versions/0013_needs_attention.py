"""Unsent visit requests and event registrations a node stopped retrying: set aside for staff
("needs attention"), and the last error of a registration's sending

Revision ID: 0013_needs_attention
Revises: 0012_sessions_and_token_scopes
Create Date: 2026-12-07 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0013_needs_attention"
down_revision = "0012_sessions_and_token_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_attention_at", roaming.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("event_registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_send_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("needs_attention_at", roaming.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_registration", schema=None) as batch_op:
        batch_op.drop_column("needs_attention_at")
        batch_op.drop_column("last_send_error")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("needs_attention_at")
