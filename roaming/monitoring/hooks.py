"""How monitoring plugs into the node (the built-in part ``monitoring``, ``roaming.plugins``):
liveness, readiness and metrics for the machines that watch it."""

from __future__ import annotations

from flask import Flask

from roaming.hookspecs import hookimpl
from roaming.monitoring import views


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    app.register_blueprint(views.bp)
