"""Prometheus metrics.

Counted in the processes where things happen: HTTP requests (by route pattern and status),
refused signatures (``roaming.peers.inbound``), delivery attempts by outcome
(``roaming.peers.delivery``). With several processes (gunicorn workers,
``roaming worker``) set ``PROMETHEUS_MULTIPROC_DIR`` to one empty folder for all of them on a
machine, and ``/metrics`` adds them up. Read from the database at each scrape, so every process
answers the same: each peer's outbox queue and failed messages, its sync lag, and the worker jobs
failing in a row.
"""

from __future__ import annotations

import ipaddress
import os

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from roaming.db import session, utcnow
from roaming.peers.delivery import DELIVERIES
from roaming.peers.inbound import SIGNATURE_FAILURES
from roaming.peers.models import OutboxMessage, Peer, PeerStatus
from roaming.worker.models import JobClaim

REQUESTS = Counter("roaming_http_requests", "HTTP requests answered", ["method", "route", "status"])
DURATION = Histogram(
    "roaming_http_request_duration_seconds",
    "Time to answer HTTP requests",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(route).observe(seconds)


class DatabaseCollector:
    """Gauges read from the database when scraped (the same from every process)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            yield from _queue_gauges()
            yield _sync_lag()
            yield _failing_jobs()


def _queue_gauges():
    pending = GaugeMetricFamily("roaming_outbox_pending", "Messages waiting for delivery", labels=["peer"])
    failed = GaugeMetricFamily("roaming_outbox_failed", "Messages a peer refused for good", labels=["peer"])
    rows = session.execute(
        select(
            Peer.name,
            func.count(OutboxMessage.id).filter(
                OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
            ),
            func.count(OutboxMessage.id).filter(OutboxMessage.failed_at.is_not(None)),
        )
        .outerjoin(OutboxMessage, OutboxMessage.peer_id == Peer.id)
        .group_by(Peer.id, Peer.name)
    )
    for name, waiting, refused in rows:
        pending.add_metric([name], waiting)
        failed.add_metric([name], refused)
    return pending, failed


def _sync_lag() -> GaugeMetricFamily:
    lag = GaugeMetricFamily(
        "roaming_peer_sync_lag_seconds", "Seconds since each active peer's catalogue was last pulled", labels=["peer"]
    )
    now = utcnow()
    for name, synced in session.execute(select(Peer.name, Peer.last_synced_at).where(Peer.status == PeerStatus.ACTIVE)):
        lag.add_metric([name], (now - synced).total_seconds() if synced else float("inf"))
    return lag


def _failing_jobs() -> GaugeMetricFamily:
    failing = GaugeMetricFamily("roaming_job_failures", "Consecutive failures of each worker job", labels=["job"])
    for name, failures in session.execute(select(JobClaim.name, JobClaim.failures).where(JobClaim.failures > 0)):
        failing.add_metric([name], failures)
    return failing


def watcher_allowed() -> bool:
    """Whether this request comes from an address in ``METRICS_ALLOWED`` (the node's monitoring):
    only such a caller reads the metrics and the details of readiness."""
    allowed = [ipaddress.ip_network(network, strict=False) for network in current_app.config["METRICS_ALLOWED"]]
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in network for network in allowed)


def metrics_view() -> Response:
    """The Prometheus text format, for addresses in ``METRICS_ALLOWED`` only (404 for others)."""
    if not watcher_allowed():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (REQUESTS, DURATION, SIGNATURE_FAILURES, DELIVERIES):
            registry.register(metric)
    registry.register(DatabaseCollector(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
