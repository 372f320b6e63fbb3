"""How search plugs into the node (the built-in part ``search``, ``roaming.plugins``): the
search API and the visitors' pages over partners' catalogues."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.search import api as search_api
from roaming.search import pages


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, search_api.blp)
    app.register_blueprint(pages.bp)
