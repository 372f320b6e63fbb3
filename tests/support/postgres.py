"""A real PostgreSQL server for tests: each test gets a database of its own, dropped afterwards.

The server is the one at ``ROAMING_TEST_POSTGRES`` (a SQLAlchemy URL of a role allowed to create
databases), by default ``postgresql+psycopg://roaming:roaming@127.0.0.1:5432/postgres`` as set up
by ``.ci/postgres.sh``. Without a reachable server the tests that need it are skipped, except in
CI (``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DEFAULT_URL = "postgresql+psycopg://roaming:roaming@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("ROAMING_TEST_POSTGRES", DEFAULT_URL)


@contextmanager
def fresh_database():
    """Yields the URL of a new, empty database; drops it (and its connections) at the end."""
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    name = f"roaming_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
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
