"""How visits plug into the node (the built-in part ``visits``, ``roaming.plugins``): their API,
federation endpoints and pages, the receivers of their own events (notices, the copy for the home
node, the seats a desk keeps), desk availability from seat allocations, and the worker's jobs:
the host's clock and the home's requests waiting to be sent."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from roaming import api
from roaming.hookspecs import hookimpl
from roaming.visits import api as visits_api
from roaming.visits import clock, copies, dashboard, federation_api, notices, pages, seats, visiting  # noqa: F401
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, visits_api.blp)
    for blueprint in (federation_api.bp, pages.bp, dashboard.bp):
        app.register_blueprint(blueprint)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [
        CoreJob("visits-clock", current_app.config["VISIT_CLOCK_SECONDS"], run_clock),
        CoreJob("send-visit-requests", 0, visiting.send_pending),
    ]


@hookimpl(trylast=True)
def roaming_availability(resource, start: date, end: date) -> dict[date, int] | None:
    return seats.free_seats(resource, start, end)


def run_clock() -> None:
    """Host side: expire undecided requests, release no-shows, complete finished visits."""
    clock.expire_due()
    clock.release_no_shows()
    clock.complete_finished()
