"""How members plug into the node (the built-in part ``members``, ``roaming.plugins``): the
members API and staff pages, and the pages that set a password (invitations, resets)."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.members import api as members_api
from roaming.members import pages, password_pages


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, members_api.blp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(password_pages.bp)
