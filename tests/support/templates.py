"""One migrated database per test process, copied by every test instance and node instead of each
migrating its own (migrations are tested in tests/test_migrations.py): a SQLite file, or on the
PostgreSQL pass a database used as CREATE DATABASE's template. Built on first use, removed when the
process ends."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path

from roaming import migrate
from roaming.db import make_engine
from tests.support.passes import note_suite_database_use
from tests.support.postgres import database_name, fresh_database, suite_backend


@cache
def migrated_template() -> str | Path:
    """The migrated database: a SQLite file's path, or a PostgreSQL URL (suite's backend)."""
    cleanup = ExitStack()
    atexit.register(cleanup.close)
    if suite_backend() == "postgresql":
        url = cleanup.enter_context(fresh_database())
    else:
        folder = Path(tempfile.mkdtemp(prefix="roaming-template-"))
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        url = f"sqlite:///{folder / 'roaming.db'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url if suite_backend() == "postgresql" else folder / "roaming.db"


@contextmanager
def migrated_suite_database():
    """A copy of the migrated database for a new node under the suite's backend: a PostgreSQL URL,
    or None on SQLite, where the caller copies ``migrated_template()`` into the instance folder."""
    note_suite_database_use()
    if suite_backend() == "sqlite":
        yield None
        return
    with fresh_database(template=database_name(migrated_template())) as url:
        yield url
