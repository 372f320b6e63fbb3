"""A real PostgreSQL server for tests: each test gets a database of its own, dropped afterwards.

The server is the one at ``ROAMING_TEST_POSTGRES`` (a SQLAlchemy URL of a role allowed to create
databases), by default ``postgresql+psycopg://roaming:roaming@127.0.0.1:5432/postgres`` as set up
by ``.ci/postgres.sh``. Without a reachable server the tests that need it are skipped, except in
CI (``CI`` set), where a missing server is a failure.

``ROAMING_TEST_DATABASE=postgresql`` runs the suite on PostgreSQL: every test instance and every
node process then gets a fresh PostgreSQL database instead of SQLite (``suite_database``). The
README's command runs that second pass over the tests marked ``each_database`` only; a test that
uses the suite's database must say whether its outcome can depend on it (see tests/conftest.py),
which is why every use of the suite's database is noted (tests/support/passes.py).
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.support.passes import note_suite_database_use

DEFAULT_URL = "postgresql+psycopg://roaming:roaming@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def server_url() -> str:
    return os.environ.get("ROAMING_TEST_POSTGRES", DEFAULT_URL)


def suite_backend() -> str:
    """The database the suite runs on: ``sqlite`` (default) or ``postgresql``."""
    backend = os.environ.get("ROAMING_TEST_DATABASE", "sqlite")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"ROAMING_TEST_DATABASE must be one of {', '.join(BACKENDS)}, not '{backend}'")
    return backend


def database_name(url: str) -> str:
    return make_url(url).database


@contextmanager
def fresh_database(template: str | None = None):
    """Yields the URL of a new database (empty, or a copy of the database named ``template``);
    drops it (and its connections) at the end."""
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    name = f"roaming_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"No PostgreSQL server for the tests ({error.orig}); see .ci/postgres.sh")
    try:
        yield make_url(server_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def suite_database():
    """The database URL for a new node under the suite's backend: None (SQLite in the node's
    instance folder) or a fresh PostgreSQL database."""
    note_suite_database_use()
    if suite_backend() == "sqlite":
        yield None
        return
    with fresh_database() as url:
        yield url
