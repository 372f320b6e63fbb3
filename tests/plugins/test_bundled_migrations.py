"""Each bundled plugin's migration history matches its models and upgrades and downgrades cleanly on SQLite and on
PostgreSQL, apart from the core's: taking a plugin to base drops its tables and nothing else."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from federation.keys import generate_key, save_key
from roaming import create_app, migrate
from roaming.db import Base, engine_for
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.one_database(reason="migrates each database by its parameter")

BUNDLED = {
    "makerspace": {"makerspace_equipment", "makerspace_reservation"},
    "webhooks": {"webhooks_endpoint", "webhooks_delivery"},
    "deskcal": {"deskcal_busy_day", "deskcal_feed"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "postgresql":
        with fresh_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path}/roaming.db"


@pytest.mark.parametrize("plugin", sorted(BUNDLED))
def test_a_bundled_plugins_migrations_go_up_and_down(tmp_path, database_url, plugin):
    """Its migrations give exactly its models' tables, and go back down."""
    save_key(generate_key(), tmp_path)
    app = create_app(
        {"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "PLUGINS": [plugin], "DATABASE_URL": database_url}
    )
    engine = engine_for(app)
    try:
        migrate.upgrade_all(app, engine)
        history = migrate.history_named(app, plugin)
        assert BUNDLED[plugin] | {f"alembic_version_{plugin}"} <= set(inspect(engine).get_table_names())
        assert migrate.owned_tables(plugin) == BUNDLED[plugin]
        with engine.connect() as connection:
            options = {"compare_type": True, "include_object": migrate.owned_by(plugin)}
            assert compare_metadata(MigrationContext.configure(connection, opts=options), Base.metadata) == []
        core_tables = set(inspect(engine).get_table_names()) - BUNDLED[plugin]
        migrate.downgrade(engine, "base", history)
        assert set(inspect(engine).get_table_names()) == core_tables
        assert migrate.current_revision(engine, history) is None
        assert migrate.current_revision(engine) == migrate.head_revision()
        migrate.upgrade(engine, "head", history)
        assert migrate.behind(app, engine) == []
    finally:
        engine.dispose()
