"""Migrations from empty to head give exactly the models' schema, and go back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

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


def test_the_sessions_migration_keeps_accounts_and_their_tokens_as_write_tokens(app, make_user, bearer, client):
    """0014 drops user_account.session_epoch in place: copying the table would drop the old one,
    and that delete would cascade to every account's tokens. A token made before it keeps doing
    what it did: it is a write token."""
    headers = bearer(make_user())
    engine = engine_for(app)
    migrate.downgrade(engine, "0010_search_order")  # the token loses its scope, as if made then
    migrate.upgrade(engine)
    assert client.patch("/api/me", json={"name": "Renamed"}, headers=headers).status_code == 200
    listed = client.get("/api/tokens", headers=headers).json
    assert [(token["scope"], token["keep_on_password_change"]) for token in listed] == [("write", False)]
