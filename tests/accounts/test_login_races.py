"""Log-ins of one account at once, while its cheap hash (made in testing mode) is replaced by
scrypt: each log-in succeeds and the stored hash is a valid scrypt hash of the password."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.security import check_password_hash

from roaming.accounts.models import Role, User
from roaming.accounts.operations import PASSWORD_HASH_METHOD, create_user
from roaming.db import session
from tests.conftest import PASSWORD

pytestmark = pytest.mark.each_database

BROWSERS = 4


def test_simultaneous_first_log_ins_all_succeed_and_leave_one_valid_scrypt_hash(app, production_app):
    with app.app_context():
        create_user(email="staff@example.org", name="Staff", role=Role.HOST_STAFF, password=PASSWORD)
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
