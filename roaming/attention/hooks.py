"""How "Needs attention" plugs into the node (the built-in part ``attention``,
``roaming.plugins``): its API and staff page."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.attention import api as attention_api
from roaming.attention import pages
from roaming.hookspecs import hookimpl


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, attention_api.blp)
    app.register_blueprint(pages.bp)
