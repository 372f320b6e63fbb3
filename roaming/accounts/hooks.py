"""How accounts plug into the node (the built-in part ``accounts``, ``roaming.plugins``): log-in
and tokens on every request, single sign-on, the accounts API and the log-in pages."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.accounts import api as accounts_api
from roaming.accounts import oidc, pages, security
from roaming.hardening import PERSON_KEY
from roaming.hookspecs import hookimpl


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    security.init_app(app)
    app.extensions[PERSON_KEY] = security.current_user_key
    oidc.init_app(app)
    api.register(app, accounts_api.blp)
    app.register_blueprint(pages.bp)
