"""Liveness, readiness and metrics, as a load balancer and Prometheus see them."""

from __future__ import annotations

import pytest

from roaming import create_app
from roaming.db import engine_for, session
from roaming.peers import delivery
from roaming.peers.models import Peer, PeerStatus, TrustSource

pytestmark = pytest.mark.each_database

UNREACHABLE_DATABASE = "postgresql+psycopg://roaming:s3cret-pw@127.0.0.1:9/nothing"


def test_live_and_ready(client):
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ready"
    assert set(ready.json["checks"]) == {"Database", "Migrations", "Registry", "Signing key"}


def test_without_its_database_a_node_is_alive_but_not_ready(instance_path):
    app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "x", "DATABASE_URL": UNREACHABLE_DATABASE})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "not ready"
    database = ready.json["checks"]["Database"]
    assert database["status"] == "problem" and "cannot be reached" in database["message"]
    assert "127.0.0.1:9/nothing" in database["message"] and "s3cret-pw" not in ready.get_data(as_text=True)
    engine_for(app).dispose()


def test_readiness_says_only_ready_or_not_to_others_than_the_metrics_readers(client, instance_path):
    """Who may not read /metrics (``metrics_allowed``) learns nothing but the status: not the
    database's address, nor which check failed."""
    stranger = {"REMOTE_ADDR": "203.0.113.5"}
    ready = client.get("/readyz", environ_base=stranger)
    assert ready.status_code == 200 and ready.json == {"status": "ready"}
    app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "x", "DATABASE_URL": UNREACHABLE_DATABASE})
    not_ready = app.test_client().get("/readyz", environ_base=stranger)
    assert not_ready.status_code == 503 and not_ready.json == {"status": "not ready"}
    assert "127.0.0.1" not in not_ready.get_data(as_text=True)
    engine_for(app).dispose()


def test_readiness_details_follow_the_metrics_allowance(instance_path):
    app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "x", "METRICS_ALLOWED": ["10.1.0.0/16"]})
    monitor = app.test_client().get("/readyz", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert set(monitor.json["checks"]) == {"Database", "Migrations", "Registry", "Signing key"}
    assert "checks" not in app.test_client().get("/readyz").json  # loopback is not in the allowance here
    engine_for(app).dispose()


def test_metrics_count_requests_and_read_queues_from_the_database(app, client, within):
    def add_peer():
        peer = Peer(node_id="p1", name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        peer.status = PeerStatus.ACTIVE
        session.add(peer)
        session.flush()
        for seq in range(3):
            delivery.enqueue(peer, "/federation/notices", {"type": "catalogue.changed", "seq": seq})
        session.commit()

    within(add_peer)
    client.get("/login")
    client.post("/federation/notices", json={})  # unsigned: refused, counted
    text = client.get("/metrics").get_data(as_text=True)
    assert 'roaming_http_requests_total{method="GET",route="/login",status="200"}' in text
    assert 'roaming_outbox_pending{peer="it@cork"} 3.0' in text
    assert 'roaming_peer_sync_lag_seconds{peer="it@cork"} +Inf' in text  # never synced
    assert "roaming_signature_failures_total" in text and "roaming_delivery_attempts_total" in text


def test_metrics_are_for_allowed_addresses_only(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 404
