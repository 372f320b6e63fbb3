"""How follow-up plugs into the node (the built-in part ``followup``, ``roaming.plugins``): its
API, federation endpoints and pages, its receiver of visits' events, and the worker's job that
sends the surveys due."""

from __future__ import annotations

from flask import Flask

from roaming import api
from roaming.followup import api as followup_api
from roaming.followup import federation_api, operations, pages, receivers  # noqa: F401
from roaming.hookspecs import hookimpl
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, followup_api.blp)
    app.register_blueprint(federation_api.bp)
    app.register_blueprint(pages.bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [CoreJob("followup", 0, operations.send_due)]
