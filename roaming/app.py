"""The application factory."""

from __future__ import annotations

from flask import Flask

from roaming import api, db, error_pages, errors, hardening, i18n, logs, plugins
from roaming.agreement import terms
from roaming.base_app import create_base_app
from roaming.plugins import APP_FACTORY


def create_app(config: dict | None = None) -> Flask:
    """A node's Flask app: the base app (``roaming.base_app.create_base_app``: settings layered
    and checked, the database) with logs, languages, the agreement's terms checked, error pages for browsers, then the
    core's parts and the enabled plugins, each registering its routes (``roaming.plugins``), and
    hardening.

    Settings are layered: built-in defaults, then the instance folder's ``roaming.toml``, then
    ``ROAMING_*`` environment variables, then ``config``. ``config["INSTANCE_PATH"]`` (or
    ``ROAMING_INSTANCE``) chooses the instance folder. A setting that does not allow the node to
    start raises ``ConfigurationError``, a plugin that cannot be loaded ``PluginError``.
    """
    app = create_base_app(config, database=True)
    app.json.sort_keys = False  # keep schema field order in responses
    app.extensions[APP_FACTORY] = create_app  # a trial app, to see that a plugin loads before enabling it

    logs.init_app(app)
    i18n.init_app(app)
    terms.check_config(app)
    plugins.init_app(app)
    errors.install_id_converter(app)
    api.init_app(app)
    errors.init_app(app)
    error_pages.init_app(app)
    plugins.finish_app(app)
    hardening.init_app(app)
    db.commit_each_request(app)
    return app
