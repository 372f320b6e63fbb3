"""Stable import keys: catalogue items remember the key an import file gave them, member companies
and people whether an import file named them, so importing a file again updates instead of
duplicating

Revision ID: 0015_import_keys
Revises: 0014_password_links
Create Date: 2026-12-08 04:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_import_keys"
down_revision = "0014_password_links"
branch_labels = None
depends_on = None

CATALOGUE_TABLES = ("cluster_profile", "location", "desk", "meeting_room", "service", "event", "news_item")
MEMBER_TABLES = ("member_company", "person")


def upgrade() -> None:
    for table in CATALOGUE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("import_key", sa.String(length=300), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_import_key"), ["import_key"], unique=False)
    for table in MEMBER_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in reversed(MEMBER_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("imported")
    for table in reversed(CATALOGUE_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_import_key"))
            batch_op.drop_column("import_key")
