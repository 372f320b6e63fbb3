"""makerspace: equipment and reserved hours

Revision ID: makerspace_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "makerspace_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "makerspace_equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_makerspace_equipment")),
        sa.UniqueConstraint("name", name=op.f("uq_makerspace_equipment_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_makerspace_equipment_uid")),
    )
    op.create_table(
        "makerspace_reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("visit_uid", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["makerspace_equipment.id"],
            name=op.f("fk_makerspace_reservation_equipment_id_makerspace_equipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_makerspace_reservation")),
        sa.UniqueConstraint("equipment_id", "day", "hour", name=op.f("uq_makerspace_reservation_equipment_id")),
    )
    op.create_index(
        op.f("ix_makerspace_reservation_equipment_id"), "makerspace_reservation", ["equipment_id"], unique=False
    )
    op.create_index(op.f("ix_makerspace_reservation_visit_uid"), "makerspace_reservation", ["visit_uid"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_makerspace_reservation_visit_uid"), table_name="makerspace_reservation")
    op.drop_index(op.f("ix_makerspace_reservation_equipment_id"), table_name="makerspace_reservation")
    op.drop_table("makerspace_reservation")
    op.drop_table("makerspace_equipment")
