"""A node's base app: its settings, layered and checked, and on request its database; nothing else.

``roaming.app.create_app`` builds the whole node on it (logs, languages, plugins, routes,
hardening). Commands that read no more than the instance folder or the database run in the base
app alone: it imports neither the routes nor the plugins, so such a command starts in a fraction
of the time (docs/performance.md, "Command-line start-up").
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from roaming import hardening, settings
from roaming.config import ConfigurationError, read_secret_key, resolve_instance_path


def create_base_app(config: dict | None = None, *, database: bool = False) -> Flask:
    """A node's Flask app holding its settings; with ``database`` also its engine and the
    per-app-context session (``roaming.db``).

    Settings are layered: built-in defaults, then the instance folder's ``roaming.toml``, then
    ``ROAMING_*`` environment variables, then ``config``. ``config["INSTANCE_PATH"]`` (or
    ``ROAMING_INSTANCE``) chooses the instance folder. The file and the environment are checked
    (``roaming.settings.load``): an unknown name, or a value its setting refuses, raises
    ``ConfigurationError``; ``config`` comes from code and is taken as it is. So does a node
    without a secret key, and with ``database`` one whose ``database_url`` is no URL SQLAlchemy
    can use (``roaming.db.init_app``).
    """
    overrides = dict(config or {})
    instance_path = resolve_instance_path(overrides.pop("INSTANCE_PATH", None))
    app = Flask("roaming", instance_path=str(instance_path))
    app.config.update(settings.defaults())
    app.config.update(settings.load(instance_path, os.environ))
    app.config.update(overrides)
    _finish_config(app)
    if database:
        from roaming import db  # imported here: SQLAlchemy is most of what a command without it saves

        db.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_secret_key(Path(app.instance_path))
    if not app.config["SECRET_KEY"] and not Path(app.instance_path).is_dir():
        raise ConfigurationError(
            f"No node here: no instance folder at {app.instance_path}. Run the command where the node's "
            "'instance' folder is, or pass --instance DIR (or set ROAMING_INSTANCE); "
            "'roaming init --instance DIR' creates a node."
        )
    if not app.config["SECRET_KEY"]:
        raise ConfigurationError(
            f"No secret key for the instance at {app.instance_path}: "
            "create the instance with 'roaming init' or set ROAMING_SECRET_KEY."
        )
    hardening.production_cookies(app)
