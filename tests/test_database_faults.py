"""A database that is locked by another process or full: the request gets a clear 503 that says
nothing was saved, nothing half-written stays, the database stays sound, and the next request
after the fault works. (The handler is in ``roaming.errors``.)"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, func, select, text

from roaming import create_app
from roaming.accounts.models import Role
from roaming.catalogue.models import Location
from roaming.db import database_url, engine_for, session
from tests.conftest import TEST_CONFIG
from tests.support.postgres import suite_backend

pytestmark = pytest.mark.each_database

LOCATION = {
    "name": "Technologiefabrik",
    "address": "Haid-und-Neu-Straße 7",
    "city": "Karlsruhe",
    "country": "DE",
    "timezone": "Europe/Berlin",
}


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user(role=Role.HOST_STAFF))


@pytest.fixture
def impatient(instance_path):
    """The node's app on the same database, waiting at most half a second for a lock."""
    app = create_app({"INSTANCE_PATH": instance_path, **TEST_CONFIG, "DATABASE_LOCK_WAIT_SECONDS": 0.5})
    yield app
    engine_for(app).dispose()


@contextmanager
def locked(app):
    """Another process holds the write lock (SQLite) or the locations table (PostgreSQL)."""
    url = database_url(app)
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as holder, holder.begin():
            holder.execute(text("LOCK TABLE location IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def locations(app) -> int:
    with app.app_context():
        return session.scalar(select(func.count()).select_from(Location))


def test_a_locked_database_is_a_503_that_saves_nothing(impatient, staff, caplog):
    client = impatient.test_client()
    with locked(impatient):
        refused = client.post("/api/locations", json=LOCATION, headers=staff)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert refused.json["message"] == "The node's database is busy; nothing was saved. Please try again in a moment."
    assert "Database busy on POST" in caplog.text
    assert locations(impatient) == 0
    assert client.post("/api/locations", json=LOCATION, headers=staff).status_code == 201
    assert locations(impatient) == 1


@pytest.mark.skipif(
    suite_backend() == "postgresql",
    reason="a full PostgreSQL disk needs a quota on the server's filesystem; SQLite's page limit is the real error",
)
def test_a_full_database_is_a_503_that_saves_nothing_and_stays_sound(app, staff, caplog):
    engine = engine_for(app)
    client = app.test_client()
    assert client.post("/api/locations", json=LOCATION, headers=staff).status_code == 201
    with engine.connect() as connection:  # no free page left by the migrations: a new row needs one more
        connection.exec_driver_sql("VACUUM")

    def no_room_to_grow(connection, _record):
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    with engine.connect() as connection:  # no free page left inside the file either (migrations leave some)
        connection.exec_driver_sql("VACUUM")
    event.listen(engine, "connect", no_room_to_grow)
    engine.dispose()  # new connections: the database cannot grow by a page
    big = {**LOCATION, "name": "Full house", "description": "x" * 5000}  # more than a page
    refused = client.post("/api/locations", json=big, headers=staff)
    assert refused.status_code == 503 and "no space left; nothing was saved" in refused.json["message"]
    assert "Database full on POST" in caplog.text and "x" * 100 not in caplog.text

    event.remove(engine, "connect", no_room_to_grow)
    engine.dispose()
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert locations(app) == 1
    assert client.post("/api/locations", json=big, headers=staff).status_code == 201
