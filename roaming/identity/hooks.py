"""How the node's identity plugs in (the built-in part ``identity``, ``roaming.plugins``): its
metadata and keys under /.well-known."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.identity import api as identity_api


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, identity_api.blp)
