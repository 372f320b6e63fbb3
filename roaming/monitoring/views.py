"""Endpoints for the machines that watch a node: liveness, readiness, metrics."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, request

from roaming import __version__
from roaming.monitoring import health, metrics

bp = Blueprint("monitoring", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. It does not touch the database, so that an outage there
    does not get healthy processes restarted."""
    return {"status": "ok", "node": current_app.config["NODE_NAME"], "version": __version__}


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when the node can serve (database, migrations, signing key, registry), else
    503. Only callers allowed to read ``/metrics`` are told each check and what is wrong (the
    database's address, say); anyone else gets the status alone."""
    findings = health.readiness()
    ready = all(finding.ok for finding in findings)
    answer: dict = {"status": "ready" if ready else "not ready"}
    if metrics.watcher_allowed():
        answer["checks"] = {f.area: {"status": f.level.value, "message": f.message} for f in findings}
    return answer, 200 if ready else 503


bp.add_url_rule("/metrics", "metrics", metrics.metrics_view)


@bp.after_app_request
def _count(response):
    if "request_started" in g:
        route = request.url_rule.rule if request.url_rule else "(no route)"
        metrics.observe_request(request.method, route, response.status_code, time.perf_counter() - g.request_started)
    return response
