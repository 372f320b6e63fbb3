"""Job claims shared by all worker processes, and the request id each outbox message carries

Revision ID: 0009_worker_claims
Revises: 0008_news
Create Date: 2026-11-22 03:37:58.066499
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0009_worker_claims"
down_revision = "0008_news"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_claim",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("next_run_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_claim")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("request_id")
    op.drop_table("job_claim")
