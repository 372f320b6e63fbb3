"""Initial schema: catalogue, members, accounts

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21 21:55:32.930370
"""

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(
        sa.table("change_counter", sa.column("name", sa.String), sa.column("value", sa.Integer)),
        [{"name": "catalogue", "value": 0}],
    )
    op.create_table(
        "cluster_profile",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=True),
        sa.Column("founding_year", sa.Integer(), nullable=True),
        sa.Column(
            "management_label",
            sa.Enum("none", "bronze", "silver", "gold", name="managementlabel", native_enum=False),
            nullable=False,
        ),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("visitor_contact_role", sa.String(length=100), nullable=True),
        sa.Column("visitor_contact_email", sa.String(length=254), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_profile")),
        sa.UniqueConstraint("uid", name=op.f("uq_cluster_profile_uid")),
    )
    with op.batch_alter_table("cluster_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_profile_change_seq"), ["change_seq"], unique=False)

    op.create_table(
        "location",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("closed_days", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("uid", name=op.f("uq_location_uid")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_change_seq"), ["change_seq"], unique=False)

    op.create_table(
        "member_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("status", sa.Enum("active", "suspended", name="companystatus", native_enum=False), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_company")),
    )
    op.create_table(
        "tombstone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("deleted_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone")),
    )
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tombstone_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_tombstone_uid"), ["uid"], unique=False)

    op.create_table(
        "desk",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("amenities", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_desk_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk")),
        sa.UniqueConstraint("uid", name=op.f("uq_desk_uid")),
    )
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_location_id"), ["location_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("online_url", sa.String(length=300), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("visitor_seats", sa.Integer(), nullable=False),
        sa.Column("member_rate_amount", sa.Integer(), nullable=True),
        sa.Column("member_rate_currency", sa.String(length=3), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_event_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("uid", name=op.f("uq_event_uid")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "meeting_room",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("amenities", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_meeting_room_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_room")),
        sa.UniqueConstraint("uid", name=op.f("uq_meeting_room_uid")),
    )
    with op.batch_alter_table("meeting_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_room_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_room_location_id"), ["location_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["member_company.id"], name=op.f("fk_person_company_id_member_company"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("email", name=op.f("uq_person_email")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_company_id"), ["company_id"], unique=False)

    op.create_table(
        "service",
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("free_under_agreement", sa.Boolean(), nullable=False),
        sa.Column("free_allowance", sa.String(length=300), nullable=False),
        sa.Column("member_rate_amount", sa.Integer(), nullable=True),
        sa.Column("member_rate_currency", sa.String(length=3), nullable=True),
        sa.Column(
            "member_rate_unit",
            sa.Enum("day", "half_day", "hour", "session", "person", name="rateunit", native_enum=False),
            nullable=True,
        ),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", roaming.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_service_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("uid", name=op.f("uq_service_uid")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_location_id"), ["location_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("role", sa.Enum("admin", "host_staff", "member", name="role", native_enum=False), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", roaming.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_user_account_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
        sa.UniqueConstraint("person_id", name=op.f("uq_user_account_person_id")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", roaming.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", roaming.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", roaming.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("user_account")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_location_id"))
        batch_op.drop_index(batch_op.f("ix_service_kind"))
        batch_op.drop_index(batch_op.f("ix_service_change_seq"))

    op.drop_table("service")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_company_id"))

    op.drop_table("person")
    with op.batch_alter_table("meeting_room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_room_location_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_room_change_seq"))

    op.drop_table("meeting_room")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_starts_at"))
        batch_op.drop_index(batch_op.f("ix_event_location_id"))
        batch_op.drop_index(batch_op.f("ix_event_change_seq"))

    op.drop_table("event")
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_location_id"))
        batch_op.drop_index(batch_op.f("ix_desk_change_seq"))

    op.drop_table("desk")
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tombstone_uid"))
        batch_op.drop_index(batch_op.f("ix_tombstone_change_seq"))

    op.drop_table("tombstone")
    op.drop_table("member_company")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_change_seq"))

    op.drop_table("location")
    with op.batch_alter_table("cluster_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_profile_change_seq"))

    op.drop_table("cluster_profile")
    op.drop_table("change_counter")
