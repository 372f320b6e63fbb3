"""How the coordinator plugs into the node (the built-in part ``coordinator``,
``roaming.plugins``): admissions API, the signed registry, and, on the coordinator node, the
worker's refresh of members' keys."""

from __future__ import annotations

from flask import Flask, current_app

from roaming import api
from roaming.coordinator import api as coordinator_api
from roaming.coordinator import operations
from roaming.hookspecs import hookimpl
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    operations.init_app(app)
    api.register(app, coordinator_api.blp)
    app.register_blueprint(coordinator_api.registry_bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [CoreJob("member-keys", current_app.config["REGISTRY_REFRESH_SECONDS"], refresh_member_keys)]


def refresh_member_keys() -> None:
    """On the coordinator: members rotate keys, and the registry must follow (before the registry
    refresh, ``roaming.peers.hooks``)."""
    if current_app.config["COORDINATOR_ENABLED"]:
        operations.refresh_member_keys()
