"""Passwords are hashed with scrypt; only an app in testing mode hashes them cheaply, and a node
replaces such a hash with scrypt at the account's next log-in."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from werkzeug.security import check_password_hash

from roaming.accounts.models import Role, User
from roaming.accounts.operations import (
    PASSWORD_HASH_METHOD,
    authenticate,
    create_user,
    hash_password,
    warn_of_testing_mode,
)
from roaming.db import session
from roaming.errors import Unauthorized
from tests.conftest import PASSWORD

pytestmark = pytest.mark.one_database(reason="passwords are hashed and checked in Python; the database keeps the text")


def stored_hash(app, email: str) -> str:
    with app.app_context():
        return session.query(User).filter_by(email=email).one().password_hash


def test_a_node_stores_scrypt_hashes(production_app):
    with production_app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        assert authenticate("staff@example.org", PASSWORD).email == "staff@example.org"
        with pytest.raises(Unauthorized):
            authenticate("ghost@example.org", PASSWORD)
        session.commit()
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
        session.commit()
    assert stored_hash(app, "staff@example.org").startswith("pbkdf2:sha256:1$")


def test_hashes_of_either_kind_verify_in_either_mode(app, production_app):
    with app.app_context():
        create_user(email="made-in-testing@example.org", name="T", role=Role.HOST_STAFF, password=PASSWORD)
        session.commit()
    with production_app.app_context():
        create_user(email="made-by-a-node@example.org", name="N", role=Role.HOST_STAFF, password=PASSWORD)
        assert authenticate("made-in-testing@example.org", PASSWORD)
        session.commit()
    with app.app_context():
        assert authenticate("made-by-a-node@example.org", PASSWORD)
        session.commit()


def log_in(app, email: str, password: str = PASSWORD) -> int:
    """Log in through the API in a fresh browser; the answer's status."""
    return app.test_client().post("/api/auth/login", json={"email": email, "password": password}).status_code


def test_a_cheap_hash_is_replaced_by_scrypt_at_the_first_log_in_on_a_node(app, production_app):
    with app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        session.commit()
    assert stored_hash(app, "staff@example.org").startswith("pbkdf2:sha256:1$")
    assert log_in(production_app, "staff@example.org", "wrong password") == 401
    assert stored_hash(app, "staff@example.org").startswith("pbkdf2:sha256:1$")  # a failed log-in changes nothing

    browser = production_app.test_client()
    assert browser.post("/api/auth/login", json={"email": "staff@example.org", "password": PASSWORD}).status_code == 200
    upgraded = stored_hash(production_app, "staff@example.org")
    assert upgraded.startswith(f"{PASSWORD_HASH_METHOD}$") and check_password_hash(upgraded, PASSWORD)
    with production_app.app_context():
        assert session.query(User).filter_by(email="staff@example.org").one().last_login_at is not None
        session.commit()
    assert browser.get("/api/me").status_code == 200  # the session the re-hash happened in goes on
    assert log_in(production_app, "staff@example.org") == 200
    assert stored_hash(production_app, "staff@example.org") == upgraded  # replaced once


def test_a_log_in_in_testing_mode_never_weakens_a_stored_hash(app, production_app):
    with production_app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        session.commit()
    made = stored_hash(production_app, "staff@example.org")
    assert log_in(app, "staff@example.org") == 200
    assert stored_hash(app, "staff@example.org") == made


def test_the_unknown_account_hash_is_made_before_the_node_serves(instance_path):
    """Importing ``roaming.wsgi`` (a gunicorn process starting) makes it: a log-in with an unknown
    e-mail then hashes nothing new."""
    probe = (
        "import roaming.wsgi\n"
        "from roaming.accounts import operations\n"
        "from roaming.errors import Unauthorized\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('a hash was made at the first log-in')\n"
        "operations.generate_password_hash = refuse\n"
        "with roaming.wsgi.app.app_context():\n"
        "    try:\n"
        "        operations.authenticate('ghost@example.org', 'some password')\n"
        "    except Unauthorized:\n"
        "        pass\n"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ROAMING_")}
    environment |= {"ROAMING_INSTANCE": str(instance_path), "ROAMING_SECRET_KEY": "not-a-test-secret"}
    started = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr


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
