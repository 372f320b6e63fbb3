"""Log-ins of one account at once, while its cheap hash (made in testing mode) is replaced by
scrypt: each log-in succeeds and the stored hash is a valid scrypt hash of the password."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from werkzeug.security import check_password_hash

from roaming.accounts.models import Role, User
from roaming.accounts.operations import PASSWORD_HASH_METHOD, create_user
from roaming.db import session
from tests.conftest import PASSWORD
from tests.support.races import at_once

pytestmark = pytest.mark.each_database

BROWSERS = 4


def test_simultaneous_first_log_ins_all_succeed_and_leave_one_valid_scrypt_hash(app, production_app):
    with app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
        session.commit()
    together = threading.Barrier(BROWSERS)

    def log_in(_):
        browser = production_app.test_client()
        together.wait(timeout=30)
        return browser.post("/api/auth/login", json={"email": "staff@example.org", "password": PASSWORD}).status_code

    with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
        statuses = list(pool.map(log_in, range(BROWSERS)))
    assert statuses == [200] * BROWSERS
    with production_app.app_context():
        stored = session.query(User).filter_by(email="staff@example.org").one().password_hash
    assert stored.startswith(f"{PASSWORD_HASH_METHOD}$") and check_password_hash(stored, PASSWORD)


ROUNDS = 6


def test_a_log_in_at_the_moment_the_password_changes_leaves_no_session(app, make_user, bearer):
    """A log-in with the old password and a new password set at once: the log-in is refused, or
    its session is ended by the change; never a session that outlives the old password."""
    user = make_user()
    admin = bearer(make_user(role=Role.ADMIN))
    passwords = [PASSWORD, "a-new-passphrase"]
    for round_number in range(ROUNDS):
        old, new = passwords[round_number % 2], passwords[(round_number + 1) % 2]
        browser = app.test_client()
        logged_in, changed = at_once(
            partial(browser.post, "/api/auth/login", json={"email": user.email, "password": old}),
            partial(app.test_client().patch, f"/api/users/{user.id}", json={"password": new}, headers=admin),
        )
        assert changed.status_code == 200 and logged_in.status_code in (200, 401), logged_in.json
        assert browser.get("/api/me").status_code == 401, round_number
