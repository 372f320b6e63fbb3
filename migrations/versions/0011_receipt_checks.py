"""Receipt checks: refused receipts, one decision and one terminal receipt per visit

Revision ID: 0011_receipt_checks
Revises: 0010_search_order
Create Date: 2026-11-23 10:12:00.000000

Adds ``receipt_refusal`` (receipts a home refused, and at the coordinator those homes reported
refusing), ``registry_copy.receipt_checks`` (whether the coordinator compares hosts' and homes'
reports), and on ``receipt`` two partial unique indexes: per book and per visit (or registration)
between two nodes at most one decision receipt (confirmed, declined, expired) and at most one
terminal receipt (declined, expired, completed, event_seat). The receipt id becomes unique per
book *and pair of nodes* (it was unique per book: a receipt between two nodes could block another
pair's receipt with the same visit id from being counted).

Existing duplicates: a database written before may hold several decision or terminal receipts for
one visit in one book (a host that issued two answers, a home that accepted them, the coordinator
that counted them). For each such visit the receipt recorded first (lowest id) is kept; each later
one is moved to ``receipt_refusal`` in the same book, with its token, its counts as ``claimed`` and
a reason naming the receipt kept, so it is no longer counted and stays visible (at the coordinator
a moved receipt shows as disputed). Nothing is deleted without a copy.

Downgrade drops the indexes, ``receipt_refusal`` (the refused and moved receipts with it: they are
not put back) and the column, and makes the receipt id unique per book again, which fails if two
pairs of nodes now hold receipts with the same id.
"""

import hashlib

import sqlalchemy as sa
from alembic import op

import roaming.db

revision = "0011_receipt_checks"
down_revision = "0010_search_order"
branch_labels = None
depends_on = None

DECISIONS = ("confirmed", "declined", "expired")
TERMINAL = ("declined", "expired", "completed", "event_seat")

receipts = sa.table(
    "receipt",
    sa.column("id", sa.Integer),
    sa.column("book", sa.String),
    sa.column("receipt_id", sa.String),
    sa.column("issuer", sa.String),
    sa.column("audience", sa.String),
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("period", sa.String),
    sa.column("desk_days", sa.Integer),
    sa.column("services", sa.Integer),
    sa.column("event_seats", sa.Integer),
    sa.column("response_seconds", sa.Integer),
    sa.column("token", sa.Text),
)
refusals = sa.table(
    "receipt_refusal",
    sa.column("book", sa.String),
    sa.column("token_digest", sa.String),
    sa.column("receipt_id", sa.String),
    sa.column("issuer", sa.String),
    sa.column("audience", sa.String),
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("period", sa.String),
    sa.column("claimed", sa.JSON),
    sa.column("expected", sa.JSON),
    sa.column("reason", sa.Text),
    sa.column("token", sa.Text),
    sa.column("recorded_at", roaming.db.UTCDateTime),
)


def upgrade() -> None:
    op.create_table(
        "receipt_refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book", sa.Enum("node", "federation", "issued", name="book", native_enum=False), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("receipt_id", sa.String(length=80), nullable=False),
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("claimed", sa.JSON(), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("recorded_at", roaming.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_refusal")),
        sa.UniqueConstraint("book", "token_digest", name=op.f("uq_receipt_refusal_book")),
    )
    with op.batch_alter_table("receipt_refusal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_refusal_audience"), ["audience"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_refusal_book"), ["book"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_refusal_issuer"), ["issuer"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_refusal_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_refusal_subject"), ["subject"], unique=False)

    _set_aside_duplicates(TERMINAL, "terminal")
    _set_aside_duplicates(DECISIONS, "decision")

    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_constraint("uq_receipt_book", type_="unique")
        batch_op.create_unique_constraint("uq_receipt_pair", ["book", "issuer", "audience", "receipt_id"])
    for name, kinds in (("uq_receipt_decision", DECISIONS), ("uq_receipt_terminal", TERMINAL)):
        where = sa.text("kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds)))
        op.create_index(
            name,
            "receipt",
            ["book", "issuer", "audience", "subject"],
            unique=True,
            sqlite_where=where,
            postgresql_where=where,
        )

    with op.batch_alter_table("registry_copy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_checks", sa.Boolean(), nullable=False, server_default=sa.false()))


def _set_aside_duplicates(kinds: tuple[str, ...], name: str) -> None:
    """Keep the first receipt of ``kinds`` per book and visit; move the later ones to refusals."""
    bind = op.get_bind()
    kept: dict[tuple, tuple[int, str]] = {}
    rows = bind.execute(sa.select(receipts).where(receipts.c.kind.in_(kinds)).order_by(receipts.c.id)).all()
    for row in rows:
        visit = (row.book, row.issuer, row.audience, row.subject)
        if visit not in kept:
            kept[visit] = (row.id, row.receipt_id)
            continue
        first_id, first_receipt = kept[visit]
        bind.execute(
            refusals.insert().values(
                book=row.book,
                token_digest=hashlib.sha256(row.token.encode()).hexdigest(),
                receipt_id=row.receipt_id,
                issuer=row.issuer,
                audience=row.audience,
                kind=row.kind,
                subject=row.subject,
                period=row.period,
                claimed={
                    "desk_days": row.desk_days,
                    "services": row.services,
                    "event_seats": row.event_seats,
                    "response_seconds": row.response_seconds,
                },
                expected=None,
                reason=(
                    f"A second {name} receipt for this visit: {first_receipt} was recorded first and is kept "
                    "(set aside when the database was upgraded to 0011_receipt_checks)."
                ),
                token=row.token,
                recorded_at=roaming.db.utcnow(),
            )
        )
        bind.execute(receipts.delete().where(receipts.c.id == row.id))


def downgrade() -> None:
    with op.batch_alter_table("registry_copy", schema=None) as batch_op:
        batch_op.drop_column("receipt_checks")
    op.drop_index("uq_receipt_terminal", table_name="receipt")
    op.drop_index("uq_receipt_decision", table_name="receipt")
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_constraint("uq_receipt_pair", type_="unique")
        batch_op.create_unique_constraint("uq_receipt_book", ["book", "receipt_id"])
    with op.batch_alter_table("receipt_refusal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_refusal_subject"))
        batch_op.drop_index(batch_op.f("ix_receipt_refusal_period"))
        batch_op.drop_index(batch_op.f("ix_receipt_refusal_issuer"))
        batch_op.drop_index(batch_op.f("ix_receipt_refusal_book"))
        batch_op.drop_index(batch_op.f("ix_receipt_refusal_audience"))
    op.drop_table("receipt_refusal")
