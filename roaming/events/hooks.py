"""How event registrations plug into the node (the built-in part ``events``,
``roaming.plugins``): their API, federation endpoints and pages, the receivers of their own
events (notices, the copy for the home node), and the worker's jobs: closing ended events and
sending the home's registrations that wait."""

from __future__ import annotations

from flask import Flask, current_app

from roaming import api
from roaming.events import api as events_api
from roaming.events import attending, clock, copies, federation_api, notices, pages  # noqa: F401
from roaming.hookspecs import hookimpl
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, events_api.blp)
    app.register_blueprint(federation_api.bp)
    app.register_blueprint(pages.bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [
        CoreJob("events-clock", current_app.config["VISIT_CLOCK_SECONDS"], clock.close_finished),
        CoreJob("send-registrations", 0, attending.send_pending),
    ]
