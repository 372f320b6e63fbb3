"""Search columns and indexes of the mirror in result order (sort_key, case-folded city)

Revision ID: 0010_search_order
Revises: 0009_worker_claims
Create Date: 2026-11-22 09:07:26.042980
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_search_order"
down_revision = "0009_worker_claims"
branch_labels = None
depends_on = None

items = sa.table(
    "mirrored_item",
    sa.column("id", sa.Integer),
    sa.column("peer_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("data", sa.Text),
    sa.column("city", sa.String),
    sa.column("starts_at", sa.DateTime),
    sa.column("sort_key", sa.String),
    sa.column("city_key", sa.String),
)
peers = sa.table("peer", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("mirrored_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_key", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("city_key", sa.String(length=100), nullable=True))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_city"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_country"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_kind"))
        batch_op.drop_index(batch_op.f("ix_mirrored_item_service_kind"))
    _fill()
    with op.batch_alter_table("mirrored_item", schema=None) as batch_op:
        batch_op.create_index("ix_mirrored_item_city_sort", ["city_key", "sort_key", "id"], unique=False)
        batch_op.create_index("ix_mirrored_item_country_sort", ["country", "sort_key", "id"], unique=False)
        batch_op.create_index("ix_mirrored_item_kind_sort", ["kind", "sort_key", "id"], unique=False)
        batch_op.create_index("ix_mirrored_item_service_kind_sort", ["service_kind", "sort_key", "id"], unique=False)
        batch_op.create_index("ix_mirrored_item_sort", ["sort_key", "id"], unique=False)


def _fill() -> None:
    """The new columns of the rows mirrored already, as roaming.peers.mirror fills them now."""
    bind = op.get_bind()
    names = dict(bind.execute(sa.select(peers.c.id, peers.c.name)).all())
    rows = bind.execute(
        sa.select(items.c.id, items.c.peer_id, items.c.kind, items.c.data, items.c.city, items.c.starts_at)
    ).all()
    for row in rows:  # a cluster's own profile name comes before the name it was added with
        if row.kind == "cluster":
            names[row.peer_id] = _data(row.data).get("name") or names.get(row.peer_id) or ""
    for row in rows:
        if row.starts_at is not None:
            key = "0 " + row.starts_at.strftime("%Y-%m-%dT%H:%M")  # stored as UTC
        else:
            key = f"1 {(names.get(row.peer_id) or '').casefold()[:90]} {row.kind}"
        city = row.city.strip().casefold()[:100] if row.city else None
        bind.execute(items.update().where(items.c.id == row.id).values(sort_key=key, city_key=city))


def _data(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value or "{}")


def downgrade() -> None:
    with op.batch_alter_table("mirrored_item", schema=None) as batch_op:
        batch_op.drop_index("ix_mirrored_item_sort")
        batch_op.drop_index("ix_mirrored_item_service_kind_sort")
        batch_op.drop_index("ix_mirrored_item_kind_sort")
        batch_op.drop_index("ix_mirrored_item_country_sort")
        batch_op.drop_index("ix_mirrored_item_city_sort")
        batch_op.create_index(batch_op.f("ix_mirrored_item_service_kind"), ["service_kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_mirrored_item_city"), ["city"], unique=False)
        batch_op.drop_column("city_key")
        batch_op.drop_column("sort_key")
