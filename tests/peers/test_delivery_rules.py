"""How delivery treats each kind of answer: retry, give up, open the breaker, mark unavailable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from roaming import logs
from roaming.db import session, utcnow
from roaming.peers import delivery
from roaming.peers.models import OutboxMessage, Peer, PeerKey, PeerStatus, TrustSource
from roaming.peers.operations import client
from tests.support.http_peer import ScriptedPeer

pytestmark = pytest.mark.each_database


@pytest.fixture
def scripted(app):
    with ScriptedPeer() as peer:
        yield peer


@pytest.fixture
def peer_row(app, scripted):
    with app.app_context():
        peer = Peer(
            node_id="scripted",
            name="Scripted",
            base_url=scripted.url,
            trust=TrustSource.PINNED,
            status=PeerStatus.ACTIVE,
        )
        peer.keys.append(PeerKey(key_id=scripted.key_id, jwk=scripted.public_jwk()))
        session.add(peer)
        session.commit()
        return peer.id


def _send(app, peer_id, count=1):
    with app.app_context():
        peer = session.get(Peer, peer_id)
        for index in range(count):
            delivery.enqueue(peer, "/federation/notices", {"type": "catalogue.changed", "seq": index})
        session.commit()


def _deliver(app, due_later=False):
    with app.app_context():
        if due_later:  # as if the retry delays had passed
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            session.commit()
        return delivery.deliver_due(client())


def _state(app, peer_id):
    with app.app_context():
        peer = session.get(Peer, peer_id)
        messages = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        return peer, messages


def test_success_delivers_in_order(app, scripted, peer_row):
    _send(app, peer_row, 3)
    assert _deliver(app).delivered == 3
    assert [m["seq"] for m in scripted.received] == [0, 1, 2]
    assert all("message_id" in m for m in scripted.received)


@pytest.mark.parametrize("status", [500, 503, 401, 408, 429])
def test_temporary_failures_are_retried_and_block_later_messages(app, scripted, peer_row, status):
    scripted.status = status
    _send(app, peer_row, 2)
    report = _deliver(app)
    assert (report.retried, report.delivered, len(scripted.received)) == (1, 0, 1)  # the second waits its turn
    peer, messages = _state(app, peer_row)
    assert messages[0].next_attempt_at > utcnow() and messages[0].failed_at is None
    assert str(status) in peer.last_delivery_error and peer.consecutive_failures == 1

    scripted.status = 202
    assert _deliver(app, due_later=True).delivered == 2
    peer, messages = _state(app, peer_row)
    assert peer.consecutive_failures == 0 and peer.last_delivery_error is None


@pytest.mark.parametrize("answer", ["unsigned", "other-key", "tampered", "stale", "other-request"])
def test_a_success_not_signed_by_the_peer_is_not_delivered_and_is_retried(app, scripted, peer_row, answer):
    scripted.answer = answer
    _send(app, peer_row, 2)
    report = _deliver(app)
    assert (report.delivered, report.retried, len(scripted.received)) == (0, 1, 1)
    peer, messages = _state(app, peer_row)
    assert all(message.delivered_at is None and message.failed_at is None for message in messages)
    assert messages[0].next_attempt_at > utcnow() and "not properly signed" in messages[0].last_error
    assert peer.consecutive_failures == 1

    scripted.answer = "signed"
    assert _deliver(app, due_later=True).delivered == 2


def test_a_message_failing_of_its_own_is_set_aside_after_the_bound_and_the_next_ones_go_on(app, scripted, peer_row):
    app.config["ATTENTION_AFTER_ATTEMPTS"] = 3
    scripted.status = lambda asked: 500 if asked["seq"] == 0 else 202  # the first message breaks the peer
    _send(app, peer_row, 3)
    for _ in range(2):
        assert _deliver(app, due_later=True).retried == 1  # the others wait their turn behind it
    report = _deliver(app, due_later=True)
    assert (report.failed, report.delivered) == (1, 2)
    _, messages = _state(app, peer_row)
    assert messages[0].failed_at is not None and messages[0].attempts == 3 and "500" in messages[0].last_error
    assert all(message.delivered_at for message in messages[1:])
    assert [m["seq"] for m in scripted.received] == [0, 0, 0, 1, 2]


def test_a_partner_away_never_has_its_messages_set_aside(app, scripted, peer_row):
    app.config.update(ATTENTION_AFTER_ATTEMPTS=2, BREAKER_THRESHOLD=100)
    scripted.status = 503
    _send(app, peer_row)
    for _ in range(4):
        _deliver(app, due_later=True)
    _, messages = _state(app, peer_row)
    assert messages[0].attempts == 4 and messages[0].failed_at is None

    with app.app_context():  # away for months: thousands of tries, and still an hour apart
        session.execute(update(OutboxMessage).values(attempts=5000))
        session.commit()
    assert _deliver(app, due_later=True).retried == 1
    _, messages = _state(app, peer_row)
    assert 2800 < (messages[0].next_attempt_at - utcnow()).total_seconds() < 4400


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_permanent_failures_are_not_retried(app, scripted, peer_row, status):
    scripted.status = status
    _send(app, peer_row)
    assert _deliver(app).failed == 1
    _, messages = _state(app, peer_row)
    assert messages[0].failed_at is not None
    assert _deliver(app, due_later=True).failed == 0 and len(scripted.received) == 1


def test_the_breaker_opens_and_long_failure_marks_the_peer_unavailable(app, scripted, peer_row):
    app.config.update(BREAKER_THRESHOLD=3, BREAKER_COOLDOWN_SECONDS=600)
    scripted.status = 503
    _send(app, peer_row)
    for _ in range(3):
        _deliver(app, due_later=True)
    peer, _ = _state(app, peer_row)
    assert peer.breaker_open_until > utcnow()
    calls = len(scripted.received)
    _deliver(app, due_later=True)
    assert len(scripted.received) == calls  # breaker open: not even tried

    with app.app_context():
        row = session.get(Peer, peer_row)
        row.breaker_open_until, row.failing_since = None, utcnow() - timedelta(days=4)
        session.commit()
    _deliver(app, due_later=True)
    peer, _ = _state(app, peer_row)
    assert peer.unavailable_since is not None

    scripted.status = 202
    with app.app_context():
        session.get(Peer, peer_row).breaker_open_until = None
        session.commit()
    _deliver(app, due_later=True)
    peer, _ = _state(app, peer_row)
    assert peer.unavailable_since is None and peer.consecutive_failures == 0


def test_staff_see_each_peers_queue_and_staleness(app, client, scripted, peer_row, make_user, bearer):
    scripted.status = 503
    _send(app, peer_row, 2)
    _deliver(app)
    staff = bearer(make_user())
    (row,) = client.get("/api/peers", headers=staff).json
    assert row["peer"]["name"] == "Scripted" and row["queued"] == 2 and row["stale"] is True
    assert "503" in row["peer"]["last_delivery_error"] and row["peer"]["consecutive_failures"] == 1


def test_a_message_carries_the_request_id_of_the_request_that_caused_it(app, scripted, peer_row):
    with app.app_context(), logs.request_id("member-click-0001"):
        delivery.enqueue(session.get(Peer, peer_row), "/federation/notices", {"type": "catalogue.changed", "seq": 1})
        session.commit()
    _send(app, peer_row)  # outside any request: a fresh id
    assert _deliver(app).delivered == 2
    assert scripted.request_ids[0] == "member-click-0001"
    assert scripted.request_ids[1] and scripted.request_ids[1] != "member-click-0001"
