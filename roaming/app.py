"""The application factory."""

from __future__ import annotations

from flask import Flask

from roaming import api, errors, hardening, i18n, logs, plugins
from roaming.base_app import create_base_app


def create_app(config: dict | None = None) -> Flask:
    """A node's Flask app: the base app (``roaming.base_app.create_base_app``: settings layered
    and checked, the database) with logs, languages, plugins, routes and hardening.

    Settings are layered: built-in defaults, then the instance folder's ``roaming.toml``, then
    ``ROAMING_*`` environment variables, then ``config``. ``config["INSTANCE_PATH"]`` (or
    ``ROAMING_INSTANCE``) chooses the instance folder. A setting that does not allow the node to
    start raises ``ConfigurationError``, a plugin that cannot be loaded ``PluginError``.
    """
    app = create_base_app(config, database=True)
    app.json.sort_keys = False  # keep schema field order in responses

    logs.init_app(app)
    i18n.init_app(app)
    plugins.init_app(app)
    errors.install_id_converter(app)
    _register_parts(app)
    plugins.finish_app(app)
    hardening.init_app(app)
    return app


def _register_parts(app: Flask) -> None:
    from roaming import web
    from roaming.accounts import api as accounts_api
    from roaming.accounts import oidc, pages, security
    from roaming.agreement import terms as agreement_terms
    from roaming.attention import api as attention_api
    from roaming.attention import pages as attention_pages
    from roaming.catalogue import api as catalogue_api
    from roaming.catalogue import pages as catalogue_pages
    from roaming.coordinator import api as coordinator_api
    from roaming.coordinator import operations as coordinator_operations
    from roaming.events import api as events_api
    from roaming.events import copies as _registration_copies  # noqa: F401 (receivers of roaming.signals)
    from roaming.events import federation_api as events_federation_api
    from roaming.events import notices as _registration_notices  # noqa: F401
    from roaming.events import pages as event_pages
    from roaming.followup import api as followup_api
    from roaming.followup import federation_api as followup_federation_api
    from roaming.followup import pages as followup_pages
    from roaming.followup import receivers as _followup_receivers  # noqa: F401
    from roaming.identity import api as identity_api
    from roaming.ledger import api as ledger_api
    from roaming.ledger import federation_api as ledger_federation_api
    from roaming.ledger import pages as ledger_pages
    from roaming.ledger import receivers as _ledger_receivers  # noqa: F401
    from roaming.members import api as members_api
    from roaming.members import pages as member_pages
    from roaming.monitoring import views as monitoring
    from roaming.network import pages as network_pages
    from roaming.peers import api as federation_api
    from roaming.peers import pages as peer_pages
    from roaming.peers import status_api as peers_api
    from roaming.plugins import pages as plugin_pages
    from roaming.privacy import api as privacy_api
    from roaming.privacy import federation_api as privacy_federation_api
    from roaming.search import api as search_api
    from roaming.search import pages as search_pages
    from roaming.visits import api as visits_api
    from roaming.visits import (
        capacity,  # noqa: F401 (its guard keeps a desk's booked seats)
        dashboard,
    )
    from roaming.visits import copies as _visit_copies  # noqa: F401
    from roaming.visits import federation_api as visits_federation_api
    from roaming.visits import notices as _visit_notices  # noqa: F401
    from roaming.visits import pages as visit_pages

    api.init_app(
        app,
        [
            catalogue_api.blp,
            members_api.blp,
            accounts_api.blp,
            identity_api.blp,
            coordinator_api.blp,
            search_api.blp,
            peers_api.blp,
            visits_api.blp,
            events_api.blp,
            ledger_api.blp,
            followup_api.blp,
            privacy_api.blp,
            attention_api.blp,
        ],
    )
    agreement_terms.check_config(app)
    coordinator_operations.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    oidc.init_app(app)
    app.register_blueprint(web.bp)
    app.register_blueprint(monitoring.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(federation_api.bp)
    app.register_blueprint(coordinator_api.registry_bp)
    app.register_blueprint(visits_federation_api.bp)
    app.register_blueprint(visit_pages.bp)
    app.register_blueprint(events_federation_api.bp)
    app.register_blueprint(ledger_federation_api.bp)
    app.register_blueprint(followup_federation_api.bp)
    app.register_blueprint(followup_pages.bp)
    app.register_blueprint(privacy_federation_api.bp)
    app.register_blueprint(plugin_pages.bp)
    for page_blueprint in (
        catalogue_pages,
        event_pages,
        ledger_pages,
        member_pages,
        network_pages,
        peer_pages,
        search_pages,
        dashboard,
        attention_pages,
    ):
        app.register_blueprint(page_blueprint.bp)
