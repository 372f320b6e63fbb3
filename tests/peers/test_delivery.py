"""Reliable delivery between two real nodes: a peer that was down gets every message once."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sqlalchemy import func, select

from federation.signing import sign_request
from roaming.catalogue.models import Location
from roaming.catalogue.operations import create_item
from roaming.db import session
from roaming.peers.models import InboxMessage, OutboxMessage
from tests.support.nodes import running_node, wait_for

pytestmark = pytest.mark.each_database

FAST = {
    "worker_tick_seconds": 0.2,
    "sync_interval_seconds": 600,
    "delivery_retry_base_seconds": 0.2,
    "delivery_retry_max_seconds": 1.0,
    "breaker_threshold": 100,
}


@pytest.fixture
def pair(tmp_path):
    with (
        running_node(tmp_path, "Systematic", "FR", **FAST) as paris,
        running_node(tmp_path, "it@cork", "IE", **FAST) as cork,
    ):
        paris.trust(cork)
        cork.trust(paris)
        yield paris, cork


def outbox(node):
    with node.app_context():
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(row.message_id, row.delivered_at is not None, row.attempts) for row in rows]


def inbox_ids(node):
    with node.app_context():
        return [row.message_id for row in session.scalars(select(InboxMessage))]


def change_catalogue(node, name):
    with node.app_context():
        create_item(
            Location, {"name": name, "address": "1 Quay", "city": "Paris", "country": "FR", "timezone": "Europe/Paris"}
        )


def test_a_peer_that_was_down_receives_every_message_once(pair):
    paris, cork = pair
    cork.stop()
    for index in range(3):
        change_catalogue(paris, f"Site {index}")
        wait_for(lambda n=index + 1: len(outbox(paris)) >= n, timeout=10)
    time.sleep(1.5)  # several failed attempts each
    queued = outbox(paris)
    assert len(queued) == 3 and not any(delivered for _, delivered, _ in queued)
    assert all(attempts >= 1 for _, _, attempts in queued)
    status = paris.cli("peers", "status").stdout
    assert "queued 3" in status and "last error" in status

    cork.start()
    wait_for(lambda: all(delivered for _, delivered, _ in outbox(paris)), timeout=20)
    assert sorted(inbox_ids(cork)) == sorted(message_id for message_id, _, _ in queued)
    wait_for(lambda: _mirrored_locations(cork) == 3, timeout=10)  # the notices led to a pull
    assert "queued 0, delivered 3" in paris.cli("peers", "status").stdout


def test_a_duplicate_delivery_is_answered_and_not_applied_twice(pair):
    paris, cork = pair
    body = json.dumps({"message_id": "a1b2c3d4e5f60718", "type": "catalogue.changed", "seq": 1}).encode()
    url = f"{cork.url}/federation/notices"
    answers = []
    for _ in range(2):  # a retry: the same message, signed afresh
        key = paris.signing_key()
        headers = sign_request("POST", url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)
        answers.append(requests.post(url, data=body, headers=headers, timeout=10))
    assert [a.status_code for a in answers] == [202, 202]
    assert [a.json()["duplicate"] for a in answers] == [False, True]
    assert inbox_ids(cork).count("a1b2c3d4e5f60718") == 1


def _mirrored_locations(node):
    from roaming.peers.models import MirroredItem

    with node.app_context():
        return session.scalar(select(func.count()).select_from(MirroredItem).where(MirroredItem.kind == "location"))
