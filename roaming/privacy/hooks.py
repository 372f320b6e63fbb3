"""How privacy plugs into the node (the built-in part ``privacy``, ``roaming.plugins``): export
and erasure API, erasures from partners, and the worker's hourly retention."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.privacy import api as privacy_api
from roaming.privacy import federation_api, operations
from roaming.worker.jobs import CoreJob

RETENTION_INTERVAL_SECONDS = 3600  # visitor details are wiped by the day; hourly is plenty


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, privacy_api.blp)
    app.register_blueprint(federation_api.bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [CoreJob("retention", RETENTION_INTERVAL_SECONDS, operations.apply_retention)]
