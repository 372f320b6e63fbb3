"""How the catalogue plugs into the node (the built-in part ``catalogue``, ``roaming.plugins``):
its API and staff pages, and the worker's job that withdraws services no enabled plugin offers."""

from __future__ import annotations

from flask import Flask, current_app

from roaming import api
from roaming.catalogue import api as catalogue_api
from roaming.catalogue import operations, pages
from roaming.hookspecs import hookimpl
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, catalogue_api.blp)
    app.register_blueprint(pages.bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [
        CoreJob("service-kinds", 0, withdraw_unoffered_services, once_per_start=True),
    ]


def withdraw_unoffered_services() -> None:
    """Once per start of a worker: services of a kind no enabled plugin provides are withdrawn
    (partners see them deleted), and those whose plugin is back are published again."""
    withdrawn, restored = operations.reconcile_service_kinds()
    if withdrawn or restored:
        current_app.logger.info("Services withdrawn: %d, published again: %d", withdrawn, restored)
