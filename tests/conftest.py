"""Shared fixtures. Each test gets its own instance folder with a migrated database (copied from
one migrated template, so migrations run once per session): SQLite, or PostgreSQL when the suite
runs with ``ROAMING_TEST_DATABASE=postgresql``. Factories create
rows with sensible defaults, each in its own app context like a separate request:
``make_location(city="Cork")``. The returned rows are detached: read their columns, not lazy
relationships.

Which pass a test runs in: tests/support/passes.py."""

from __future__ import annotations

import json
import shutil
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import generate_key, save_key
from roaming import create_app
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user, issue_token
from roaming.catalogue.models import Desk, Event, Location, MeetingRoom, Service
from roaming.catalogue.operations import create_item, save_profile
from roaming.config import CONFIG_FILE
from roaming.db import engine_for
from roaming.db import session as db_session
from roaming.instance import create_instance
from roaming.members.models import MemberCompany, Person
from roaming.peers.models import Peer, PeerKey, TrustSource
from tests.support.passes import note_suite_database_use
from tests.support.postgres import database_name, fresh_database, suite_backend, suite_database
from tests.support.templates import migrated_template

PASSWORD = "correct horse battery"


def add_row(row):
    """Save one row in the current app context (for ``within``)."""
    db_session.add(row)
    db_session.commit()
    return row


@pytest.fixture(scope="session")
def template_database():
    """One migrated database the test instances copy: a SQLite file, or on the PostgreSQL run
    (``ROAMING_TEST_DATABASE=postgresql``) a PostgreSQL database used as CREATE DATABASE template."""
    return migrated_template()


@pytest.fixture
def instance_folder(tmp_path, template_database):
    """A factory of instance folders holding a signing key and a migrated database of their own
    (its URL in roaming.toml on the PostgreSQL run, so servers and commands find it)."""
    databases = ExitStack()

    def make(name: str = "instance"):
        note_suite_database_use()
        folder = tmp_path / name
        folder.mkdir()
        if suite_backend() == "postgresql":
            url = databases.enter_context(fresh_database(template=database_name(template_database)))
            (folder / CONFIG_FILE).write_text(f"database_url = {json.dumps(url)}\n")
        else:
            shutil.copy(template_database, folder / "roaming.db")
        save_key(generate_key(), folder)
        return folder

    with databases:
        yield make


@pytest.fixture
def instance_path(instance_folder):
    return instance_folder()


@pytest.fixture
def new_instance(tmp_path):
    """A factory of instances created as ``roaming init`` creates them, on the suite's database."""
    databases = ExitStack()

    def make(folder: str = "node", **fields):
        fields = {"name": "Test", "country": "DE", "base_url": "http://127.0.0.1:9", **fields}
        return create_instance(tmp_path / folder, database_url=databases.enter_context(suite_database()), **fields)

    with databases:
        yield make


TEST_CONFIG = {
    "SECRET_KEY": "test-secret",
    "TESTING": True,
    "NODE_NAME": "Test cluster",
    "BASE_URL": "http://127.0.0.1:5000",
}


@pytest.fixture
def app(instance_path):
    app = create_app({"INSTANCE_PATH": instance_path, **TEST_CONFIG})
    yield app
    engine_for(app).dispose()


@pytest.fixture
def production_app(instance_path):
    """The test instance's app as a real node runs it: not in testing mode (scrypt hashes)."""
    app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "not-a-test-secret", "TESTING": False})
    yield app
    engine_for(app).dispose()


@pytest.fixture
def within(app):
    """Run a function inside its own app context, as a request or a CLI command would."""

    def run(function, *args, **kwargs):
        with app.app_context():
            result = function(*args, **kwargs)
            db_session.commit()  # a request or command commits what it did (operations flush)
            return result

    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_profile(within):
    def make(**fields):
        return within(save_profile, {"name": "CyberForum", "country": "DE", "city": "Karlsruhe", **fields})

    return make


@pytest.fixture
def make_location(within):
    def make(**fields):
        data = {
            "name": "Head office",
            "address": "Haid-und-Neu-Straße 7",
            "city": "Karlsruhe",
            "country": "DE",
            "timezone": "Europe/Berlin",
            "opening_hours": {"mon": [["09:00", "18:00"]]},
            **fields,
        }
        return within(create_item, Location, data)

    return make


@pytest.fixture
def make_desk(within, make_location):
    def make(location=None, **fields):
        location = location or make_location()
        return within(create_item, Desk, {"name": "Guest desks", "seats": 2, "location_id": location.id, **fields})

    return make


@pytest.fixture
def make_room(within, make_location):
    def make(location=None, **fields):
        location = location or make_location()
        return within(
            create_item, MeetingRoom, {"name": "Room Rhein", "capacity": 6, "location_id": location.id, **fields}
        )

    return make


@pytest.fixture
def make_service(within):
    def make(**fields):
        return within(create_item, Service, {"kind": "desk", "name": "Guest desk", **fields})

    return make


@pytest.fixture
def make_event(within, make_location):
    def make(location=None, **fields):
        location = location or make_location()
        start = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
        data = {
            "title": "Pitch night",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "location_id": location.id,
            **fields,
        }
        return within(create_item, Event, data)

    return make


@pytest.fixture
def make_company(within):
    def make(**fields):
        return within(add_row, MemberCompany(**{"name": "Datenwerk GmbH", "country": "DE", **fields}))

    return make


@pytest.fixture
def make_person(within, make_company):
    counter = iter(range(1, 10_000))

    def make(company=None, **fields):
        company = company or make_company()
        fields = {"name": "Jana Weber", "email": f"person{next(counter)}@example.org", **fields}
        return within(add_row, Person(company_id=company.id, **fields))

    return make


@pytest.fixture
def make_user(within, make_person):
    counter = iter(range(1, 10_000))

    def make(role=Role.HOST_STAFF, person=None, **fields):
        if role is Role.MEMBER and person is None:
            person = make_person()
        email = person.email if person else f"user{next(counter)}@example.org"
        return within(
            create_user,
            **{
                "email": email,
                "name": "Test user",
                "role": role,
                "password": PASSWORD,
                "person_id": person.id if person else None,
                **fields,
            },
        )

    return make


@pytest.fixture
def bearer(within):
    """Headers with a fresh API token of ``user``."""

    def headers(user):
        _, token = within(lambda: issue_token(db_session.merge(user), "test", 1))
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def login(client):
    """Log ``user`` in through the API; returns headers carrying the CSRF token."""

    def log_in(user, password=PASSWORD):
        response = client.post("/api/auth/login", json={"email": user.email, "password": password})
        assert response.status_code == 200, response.json
        return {"X-CSRF-Token": response.json["csrf_token"]}

    return log_in


@pytest.fixture
def home_peer(within):
    """A partner node (the visitors' home) with a key it signs attestations with."""
    key = generate_key()

    def add():
        peer = Peer(
            node_id=str(uuid.uuid4()), name="CyberForum", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED
        )
        peer.keys.append(PeerKey(key_id=key.key_id, jwk=key.public_jwk()))
        db_session.add(peer)
        db_session.commit()
        return peer

    return within(add), key
