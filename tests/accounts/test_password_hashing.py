"""Passwords are hashed with scrypt; only an app in testing mode hashes them cheaply."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from roaming import create_app
from roaming.accounts.models import Role, User
from roaming.accounts.operations import authenticate, create_user, hash_password, warn_of_testing_mode
from roaming.db import engine_for, session
from roaming.errors import Unauthorized
from tests.conftest import PASSWORD

pytestmark = pytest.mark.one_database(reason="passwords are hashed and checked in Python; the database keeps the text")


@pytest.fixture
def production_app(instance_path):
    """The test instance's app as a real node runs it: not in testing mode."""
    app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "not-a-test-secret", "TESTING": False})
    yield app
    engine_for(app).dispose()


def stored_hash(app, email: str) -> str:
    with app.app_context():
        return session.query(User).filter_by(email=email).one().password_hash


def test_a_node_stores_scrypt_hashes(production_app):
    with production_app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        assert authenticate("staff@example.org", PASSWORD).email == "staff@example.org"
        with pytest.raises(Unauthorized):
            authenticate("ghost@example.org", PASSWORD)
    stored = stored_hash(production_app, "staff@example.org")
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_testing_mode_stores_cheap_hashes_that_verify(app):
    with app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        assert authenticate("staff@example.org", PASSWORD).email == "staff@example.org"
        with pytest.raises(Unauthorized):
            authenticate("staff@example.org", "wrong password")
        with pytest.raises(Unauthorized):
            authenticate("ghost@example.org", PASSWORD)
    assert stored_hash(app, "staff@example.org").startswith("pbkdf2:sha256:1$")


def test_hashes_of_either_kind_verify_in_either_mode(app, production_app):
    with app.app_context():
        create_user(email="made-in-testing@example.org", name="T", role=Role.HOST_STAFF, password=PASSWORD)
    with production_app.app_context():
        create_user(email="made-by-a-node@example.org", name="N", role=Role.HOST_STAFF, password=PASSWORD)
        assert authenticate("made-in-testing@example.org", PASSWORD)
    with app.app_context():
        assert authenticate("made-by-a-node@example.org", PASSWORD)


def test_outside_an_app_context_hashing_is_scrypt():
    assert hash_password(PASSWORD).startswith("scrypt:")


def test_a_node_in_testing_mode_says_so(app, production_app, caplog):
    with caplog.at_level(logging.WARNING):
        warn_of_testing_mode(production_app)
        assert not caplog.records
        warn_of_testing_mode(app)
    assert "Testing mode" in caplog.text and "pbkdf2:sha256:1" in caplog.text


def test_importing_the_accounts_hashes_nothing():
    """The unknown-account hash is made when first needed, not when the module is imported."""
    probe = (
        "import hashlib\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('a password was hashed at import')\n"
        "hashlib.scrypt = hashlib.pbkdf2_hmac = refuse\n"
        "import roaming.accounts.operations\n"
    )
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
