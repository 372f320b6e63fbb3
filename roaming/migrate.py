"""Running the Alembic migrations programmatically, against an app's engine.

The core and each plugin have their own migration history: the core's in ``migrations/versions``
(version table ``alembic_version``), a plugin's in the folder its ``roaming_migrations_dir``
names (version table ``alembic_version_<plugin>``). Kept apart, a plugin that is disabled or
removed never blocks the core's upgrades, and a plugin's tables can be dropped on their own
(``roaming db downgrade base --plugin NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Engine

from roaming.hookspecs import PluginError

CORE = "core"


@dataclass(frozen=True)
class History:
    """One migration history: the core's or a plugin's."""

    name: str
    versions: str  # the folder of its revision files

    @property
    def version_table(self) -> str:
        return "alembic_version" if self.name == CORE else f"alembic_version_{self.name}"


CORE_HISTORY = History(CORE, str(files("migrations") / "versions"))


def owned_tables(history_name: str) -> set[str]:
    """The tables whose models belong to a history: the core's (``roaming.*``) or a plugin's
    (``roaming_<plugin>``), so comparing or autogenerating one never touches another's."""
    from roaming.db import Base

    prefix = "roaming." if history_name == CORE else f"roaming_{history_name}"
    return {mapper.local_table.name for mapper in Base.registry.mappers if mapper.class_.__module__.startswith(prefix)}


def owned_by(history_name: str):
    """An Alembic ``include_object`` filter keeping the history's own tables (and their parts)."""
    owned = owned_tables(history_name)

    def include(obj, name, type_, _reflected, _compare_to):
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table is None or table in owned

    return include


def histories(app: Flask) -> list[History]:
    """The core's history, then each enabled plugin's that has migrations."""
    found = [CORE_HISTORY]
    for impl in app.extensions["roaming.plugins"].hook.roaming_migrations_dir.get_hookimpls():
        folder = impl.function()
        if folder:
            found.append(History(impl.plugin_name, str(folder)))
    return found


def history_named(app: Flask, name: str) -> History:
    for history in histories(app):
        if history.name == name:
            return history
    raise PluginError(f"'{name}' is not an enabled plugin with migrations.")


def alembic_config(connection=None, history: History = CORE_HISTORY) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", history.versions)
    config.attributes["connection"] = connection
    config.attributes["version_table"] = history.version_table
    config.attributes["history"] = history.name
    return config


def upgrade(engine: Engine, revision: str = "head", history: History = CORE_HISTORY) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, history), revision)


def upgrade_all(app: Flask, engine: Engine) -> list[tuple[str, str | None, str | None]]:
    """Upgrade the core, then every enabled plugin; returns (history, before, after) each."""
    changes = []
    for history in histories(app):
        before = current_revision(engine, history)
        upgrade(engine, "head", history)
        changes.append((history.name, before, current_revision(engine, history)))
    return changes


def downgrade(engine: Engine, revision: str, history: History = CORE_HISTORY) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection, history), revision)


def current_revision(engine: Engine, history: History = CORE_HISTORY) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": history.version_table})
        return context.get_current_revision()


def head_revision(history: History = CORE_HISTORY) -> str:
    return ScriptDirectory.from_config(alembic_config(history=history)).get_current_head()


def behind(app: Flask, engine: Engine) -> list[str]:
    """What is not at its latest migration, in words (empty when all is up to date)."""
    return [
        f"{history.name} is at {current or 'nothing'}, the code needs {head}"
        for history in histories(app)
        if (current := current_revision(engine, history)) != (head := head_revision(history))
    ]


def autogenerate_revision(engine: Engine, message: str) -> None:
    """Write a new core revision from the difference between the models and the database."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
