"""How the ledger plugs into the node (the built-in part ``ledger``, ``roaming.plugins``): its
API, federation endpoints and pages, and its receivers of visits' and registrations' events."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.ledger import api as ledger_api
from roaming.ledger import federation_api, pages, receivers  # noqa: F401


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, ledger_api.blp)
    app.register_blueprint(federation_api.bp)
    app.register_blueprint(pages.bp)
