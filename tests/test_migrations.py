"""Migrations from empty to head give exactly the models' schema, and go back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

import roaming.models  # noqa: F401 - all tables on the metadata
from roaming import migrate
from roaming.db import Base, engine_for, make_engine, session
from roaming.peers import mirror
from roaming.peers.models import MirroredItem, Peer, TrustSource

pytestmark = pytest.mark.each_database


def test_head_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        options = {"compare_type": True, "include_object": migrate.owned_by(migrate.CORE)}
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_downgrade_to_empty(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_the_search_order_migration_fills_what_the_mirror_would(app):
    """0010 adds sort_key and city_key to rows mirrored before it; they match what a sync writes."""
    with app.app_context():
        peer = Peer(node_id="node-cork", name="Added as", base_url="http://cork.example", trust=TrustSource.PINNED)
        session.add(peer)
        session.flush()
        changes = [
            ("cluster", "c1", {"name": "it@Cork", "country": "IE", "city": "Cork"}),
            ("location", "l1", {"id": 1, "name": "Hub", "city": " Cork ", "country": "IE"}),
            ("desk", "d1", {"id": 1, "name": "Harbour desk", "seats": 2, "location_id": 1}),
            ("event", "e1", {"title": "Meetup", "starts_at": "2027-02-03T08:45:00+01:00", "location_id": 1}),
        ]
        for seq, (kind, uid, item) in enumerate(changes, start=1):
            mirror.apply_change(peer, {"seq": seq, "kind": kind, "uid": uid, "deleted": False, "item": item})
        session.commit()
        columns = select(MirroredItem.uid, MirroredItem.sort_key, MirroredItem.city_key).order_by(MirroredItem.uid)
        written = session.execute(columns).all()
        engine = engine_for(app)
    migrate.downgrade(engine, "0009_worker_claims")
    migrate.upgrade(engine)
    with app.app_context():
        assert session.execute(columns).all() == written
    keys = {uid: (sort_key, city) for uid, sort_key, city in written}
    assert keys["e1"] == ("0 2027-02-03T07:45", "cork") and keys["d1"] == ("1 it@cork desk", "cork")


def test_the_receipt_checks_migration_keeps_the_first_terminal_receipt_and_sets_the_rest_aside(app):
    """0011 on a database holding two terminal receipts for one visit (and two decisions for
    another) in one book: the first recorded of each stays, the later ones become refusals with
    their tokens and counts; other books, other visits and other pairs of nodes are untouched."""
    from roaming.ledger.models import Book, Receipt, ReceiptRefusal

    engine = engine_for(app)
    migrate.downgrade(engine, "0010_search_order")
    old = [
        ("node", "v1:completed", "host-a", "home-b", "completed", "v1", 2),
        ("node", "v1:declined", "host-a", "home-b", "declined", "v1", 0),  # a second terminal receipt
        ("node", "v2:confirmed", "host-a", "home-b", "confirmed", "v2", 0),
        ("node", "v2:expired", "host-a", "home-b", "expired", "v2", 0),  # a second decision (and first terminal)
        ("federation", "v1:completed", "host-a", "home-b", "completed", "v1", 2),  # another book
        ("node", "v3:completed", "host-a", "home-b", "completed", "v3", 4),
        ("node", "v3:event_seat", "host-c", "home-b", "event_seat", "v3", 0),  # another pair of nodes
    ]
    rows = [
        {
            "book": book,
            "receipt_id": receipt_id,
            "issuer": issuer,
            "audience": audience,
            "kind": kind,
            "subject": subject,
            "period": "2026-12",
            "desk_days": days,
            "services": 0,
            "event_seats": 0,
            "response_seconds": None,
            "token": f"token-{n}",
            "issued_at": "2026-12-01 00:00:00",
            "recorded_at": "2026-12-01 00:00:00",
        }
        for n, (book, receipt_id, issuer, audience, kind, subject, days) in enumerate(old)
    ]
    insert = text(f"INSERT INTO receipt ({', '.join(rows[0])}) VALUES ({', '.join(':' + c for c in rows[0])})")
    with engine.begin() as connection:
        connection.execute(insert, rows)
    migrate.upgrade(engine)
    with app.app_context():
        kept = session.execute(select(Receipt.book, Receipt.receipt_id).order_by(Receipt.id)).all()
        moved = session.scalars(select(ReceiptRefusal).order_by(ReceiptRefusal.id)).all()
    assert [(book.value, receipt) for book, receipt in kept] == [
        ("node", "v1:completed"),
        ("node", "v2:confirmed"),
        ("federation", "v1:completed"),
        ("node", "v3:completed"),
        ("node", "v3:event_seat"),
    ]
    assert [(r.book, r.receipt_id, r.token, r.claimed["desk_days"]) for r in moved] == [
        (Book.NODE, "v1:declined", "token-1", 0),
        (Book.NODE, "v2:expired", "token-3", 0),
    ]
    assert "v1:completed was recorded first" in moved[0].reason and "decision" in moved[1].reason


def test_the_sessions_migration_keeps_accounts_and_their_tokens_as_write_tokens(app, make_user, bearer, client):
    """0012 drops user_account.session_epoch in place: copying the table would drop the old one,
    and that delete would cascade to every account's tokens. A token made before it keeps doing
    what it did: it is a write token."""
    headers = bearer(make_user())
    engine = engine_for(app)
    migrate.downgrade(engine, "0010_search_order")  # the token loses its scope, as if made then
    migrate.upgrade(engine)
    assert client.patch("/api/me", json={"name": "Renamed"}, headers=headers).status_code == 200
    listed = client.get("/api/tokens", headers=headers).json
    assert [(token["scope"], token["keep_on_password_change"]) for token in listed] == [("write", False)]
