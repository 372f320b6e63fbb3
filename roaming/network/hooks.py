"""How the network pages plug into the node (the built-in part ``network``, ``roaming.plugins``)."""

from __future__ import annotations

from flask import Flask

from roaming.hookspecs import hookimpl
from roaming.network import pages


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    app.register_blueprint(pages.bp)
