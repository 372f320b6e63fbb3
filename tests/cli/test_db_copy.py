"""Moving a node from SQLite to PostgreSQL with ``roaming db copy``: all data arrives, and the
node works on the copy (log-ins, new rows after the copied ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

import roaming.models  # noqa: F401 - every table on Base.metadata
from roaming import create_app
from roaming.catalogue.models import Desk, Location
from roaming.catalogue.operations import create_item
from roaming.db import Base, engine_for, make_engine, session, utcnow
from roaming.demo import build_node
from roaming.instance import create_instance
from roaming.peers import delivery
from roaming.peers.models import MirroredItem, Peer, PeerStatus, SeenNonce, TrustSource
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.one_database(reason="copies from SQLite to PostgreSQL, both named by the test")


def _add_federation_state(app):
    with app.app_context():
        peer = Peer(node_id="cyberforum", name="CyberForum", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        peer.status, peer.last_synced_at = PeerStatus.ACTIVE, utcnow()
        session.add(peer)
        session.flush()
        session.add(
            MirroredItem(
                peer_id=peer.id,
                kind="desk",
                uid="0f0e4c1e-9d7a-4c6e-9a43-3f1a2b6c7d8e",
                change_seq=7,
                data={"name": "Schreibtisch am Fenster – Zugang über Hof", "seats": 3},
                country="DE",
                city="Karlsruhe",
                search_text="schreibtisch fenster",
            )
        )
        session.add(SeenNonce(key_id="k1", nonce="n1", expires_at=utcnow() + timedelta(minutes=5)))
        for seq in range(3):
            delivery.enqueue(peer, "/federation/notices", {"type": "catalogue.changed", "seq": seq})
        session.commit()


def _db_copy(instance, *args: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "roaming", "db", "copy", *args, "--instance", str(instance)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **environment},
    )


def _all_rows(engine) -> dict[str, list[tuple]]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
            if table.name in present
        }


def test_a_sqlite_node_moved_to_postgresql_keeps_all_its_data(tmp_path):
    node = build_node("itcork", tmp_path, "http://127.0.0.1:9")
    app = create_app({"INSTANCE_PATH": node.instance})
    _add_federation_state(app)
    before = _all_rows(engine_for(app))
    engine_for(app).dispose()
    assert len(before["location"]) >= 1 and len(before["person"]) >= 1 and len(before["outbox_message"]) == 3

    with fresh_database() as url:
        copied = _db_copy(node.instance, ROAMING_COPY_TARGET=url)
        assert copied.returncode == 0, copied.stderr
        assert "the counts match" in copied.stdout and "roaming:***@" in copied.stdout
        assert "roaming:roaming@" not in copied.stdout + copied.stderr  # the password is not shown

        target = make_engine(url)
        assert _all_rows(target) == before
        target.dispose()

        moved = create_app({"INSTANCE_PATH": node.instance, "DATABASE_URL": url})
        client = moved.test_client()
        login = client.post("/api/auth/login", json={"email": node.logins["admin"], "password": "roaming-demo"})
        assert login.status_code == 200
        with moved.app_context():  # new rows continue after the copied ids
            location = session.scalars(select(Location)).first()
            desk = create_item(Desk, {"name": "Another desk", "seats": 1, "location_id": location.id})
            assert desk.id > max(row[0] for row in before["desk"])
        engine_for(moved).dispose()

        again = _db_copy(node.instance, "--to", url)
        assert again.returncode == 1
        assert "The target database is not empty: copy into a new, empty database." in again.stderr


def test_a_copy_that_fails_leaves_the_target_empty(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    source = make_engine(f"sqlite:///{node.path / 'roaming.db'}")
    with source.begin() as connection:  # a table no enabled plugin or migration accounts for
        connection.execute(text("CREATE TABLE leftover_plugin_rows (id INTEGER PRIMARY KEY)"))
    source.dispose()
    with fresh_database() as url:
        refused = _db_copy(node.path, "--to", url)
        assert refused.returncode == 1
        assert "The node's database has tables the copy would not hold (leftover_plugin_rows)" in refused.stderr
        target = make_engine(url)
        assert inspect(target).get_table_names() == []
        target.dispose()
