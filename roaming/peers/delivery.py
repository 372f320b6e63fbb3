"""Reliable delivery: the outbox, the delivery pass, and exactly-once receipt.

Senders call ``enqueue`` inside the transaction that makes the change, so the message exists if
and only if the change does. ``deliver_due`` sends what is due, per peer in id order, stopping at a
peer's first failure so that its messages stay in order. A message is delivered when the peer
answers with a 2xx signed by that peer; anything else is a failure. Failures are classified by
``federation.client``: temporary ones (network, 5xx, 401, 408, 429, an answer that is unsigned,
badly signed, garbled, too large or too slow) are retried with a doubling, jittered delay;
permanent ones (other 4xx) are set aside at once (``failed_at``), and so is a message that keeps
failing of its own (``sets_aside``), so that it holds its peer's later messages back for a bounded
time only; staff see what is set aside, and retry or drop it (``roaming.attention``). After
``BREAKER_THRESHOLD`` consecutive failures a peer's breaker opens for a cooldown; a peer failing
for ``PEER_UNAVAILABLE_AFTER_SECONDS`` is marked unavailable, and both clear at its next success.

Receivers call ``accept_once`` with the sender's message id: the unique (peer, message id) row
makes a repeated delivery a no-op answered with success.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from flask import current_app
from prometheus_client import Counter
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from federation.client import (
    ANSWER_DEADLINE_SECONDS,
    DeliveryError,
    FederationClient,
    Refused,
    TemporaryFailure,
    Unreachable,
)
from roaming import logs
from roaming.backoff import doubling_delay
from roaming.db import before_commit, insert_if_absent, session, utcnow
from roaming.peers.models import InboxMessage, OutboxMessage, Peer, PeerStatus
from roaming.peers.trust import resolver_for

DELIVERIES = Counter("roaming_delivery_attempts", "Outbox delivery attempts by outcome", ["outcome"])

IN_FLIGHT_SECONDS = ANSWER_DEADLINE_SECONDS + 30  # a taken item is tried again after this if its sender died
PARTNER_AWAY_STATUSES = {408, 429, 502, 503, 504}


def enqueue_at_commit(key: object, peer: Peer, path: str, make_payload: Callable[[], dict]) -> None:
    """Queue ``make_payload()`` for ``peer`` when the transaction commits, once per ``key`` however
    often the transaction asks: the payload is made from what the whole transaction did
    (``roaming.db.before_commit``)."""
    before_commit(key, lambda: enqueue(peer, path, make_payload()))


def enqueue(peer: Peer, path: str, payload: dict) -> OutboxMessage:
    """Add a message for ``peer`` to the current transaction (the caller commits)."""
    message_id = uuid.uuid4().hex
    message = OutboxMessage(
        peer=peer,
        message_id=message_id,
        path=path,
        payload={**payload, "message_id": message_id},
        request_id=logs.current_request_id(),
    )
    session.add(message)
    return message


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(client: FederationClient, peer_id: int | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` due messages (to one peer, or to all), in id order per peer. The worker
    calls it per peer under that peer's claim, so no two processes send to one peer at once.

    Each message is taken (``_take_turn``) in a commit of its own before it is sent, and its outcome
    recorded in another after the answer, so nothing is locked while the peer is asked."""
    report, now = DeliveryReport(), utcnow()
    query = select(OutboxMessage.id, OutboxMessage.peer_id).where(
        OutboxMessage.delivered_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
    )
    if peer_id is not None:
        query = query.where(OutboxMessage.peer_id == peer_id)
    due = session.execute(query.order_by(OutboxMessage.id).limit(limit)).all()
    blocked: set[int] = set()
    for message_id, message_peer_id in due:
        peer = session.get(Peer, message_peer_id)
        if peer is None or peer.id in blocked or peer.status is not PeerStatus.ACTIVE or _breaker_open(peer, now):
            blocked.add(message_peer_id)
            continue
        message = _take_turn(message_id, now)
        if message is None:
            continue  # delivered, set aside or taken meanwhile
        try:
            with logs.request_id(message.request_id):
                client.post(peer.base_url + message.path, message.payload, resolver_for(peer))
        except DeliveryError as error:
            _failed(message, peer, error, report)
            DELIVERIES.labels("retried" if message.failed_at is None else "failed").inc()
            if message.failed_at is None:  # waits its turn: the peer's later messages wait behind it
                blocked.add(peer.id)
        else:
            DELIVERIES.labels("delivered").inc()
            message.delivered_at, message.last_error = utcnow(), None
            peer.consecutive_failures, peer.failing_since, peer.breaker_open_until = 0, None, None
            peer.unavailable_since, peer.last_delivery_error = None, None
            report.delivered += 1
        session.commit()
    if report.delivered or report.retried or report.failed:
        current_app.logger.info(
            "Outbox: %d delivered, %d to retry, %d failed",
            report.delivered,
            report.retried,
            report.failed,
            extra={"delivered": report.delivered, "retried": report.retried, "failed": report.failed},
        )
    return report


def _take_turn(message_id: int, now) -> OutboxMessage | None:
    """Count this try of a due message and hold it for the sending (tried again after
    ``IN_FLIGHT_SECONDS`` should this process die), in a commit of its own; None when it was
    delivered, set aside or taken meanwhile."""
    taken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + timedelta(seconds=IN_FLIGHT_SECONDS))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if cast(CursorResult, taken).rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _failed(message: OutboxMessage, peer: Peer, error: DeliveryError, report: DeliveryReport) -> None:
    config, now = current_app.config, utcnow()
    message.last_error = peer.last_delivery_error = str(error)[:1000]
    if not error.retry or sets_aside(message.attempts, error):
        message.failed_at = now
        report.failed += 1
    else:
        message.next_attempt_at = now + timedelta(seconds=retry_delay(message.attempts))
        report.retried += 1
    if not error.retry:
        return
    peer.consecutive_failures += 1
    peer.failing_since = peer.failing_since or now
    if peer.consecutive_failures >= config["BREAKER_THRESHOLD"]:
        peer.breaker_open_until = now + timedelta(seconds=config["BREAKER_COOLDOWN_SECONDS"])
    if now - peer.failing_since >= timedelta(seconds=config["PEER_UNAVAILABLE_AFTER_SECONDS"]):
        peer.unavailable_since = peer.unavailable_since or now


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: doubling from
    ``DELIVERY_RETRY_BASE_SECONDS`` up to ``DELIVERY_RETRY_MAX_SECONDS``, with ±20% jitter."""
    config = current_app.config
    return doubling_delay(config["DELIVERY_RETRY_BASE_SECONDS"], attempts, config["DELIVERY_RETRY_MAX_SECONDS"])


def partner_away(error: Exception) -> bool:
    """Whether ``error`` says the partner takes nothing right now (no connection, busy, down behind
    its proxy, its trust in us catching up), which tells nothing about the item that was tried."""
    if isinstance(error, Unreachable | Refused):
        return True
    return isinstance(error, TemporaryFailure) and error.status in PARTNER_AWAY_STATUSES


def sets_aside(attempts: int, error: Exception) -> bool:
    """Whether an item (a message, a visit request, a registration) that failed with ``error`` at
    its ``attempts``-th try is set aside for staff instead of tried again: after
    ``ATTENTION_AFTER_ATTEMPTS`` tries, at a failure of its own (an error answer, an answer that
    cannot count, our own handling of the answer failing); never while its partner is away."""
    return attempts >= current_app.config["ATTENTION_AFTER_ATTEMPTS"] and not partner_away(error)


def _breaker_open(peer: Peer, now) -> bool:
    return peer.breaker_open_until is not None and peer.breaker_open_until > now


def accept_once(peer: Peer, message_id: str) -> bool:
    """Record a received message id; False if it was received before (do not apply it again).

    Runs in the caller's transaction, so the record and the message's effect commit together.
    """
    return insert_if_absent(InboxMessage, peer_id=peer.id, message_id=message_id, received_at=utcnow())


@dataclass(frozen=True)
class PeerQueue:
    peer: Peer
    pending: int
    failed: int
    delivered: int


def queue_status() -> list[PeerQueue]:
    counts = {}
    rows = session.execute(
        select(
            OutboxMessage.peer_id,
            OutboxMessage.delivered_at.is_not(None),
            OutboxMessage.failed_at.is_not(None),
            func.count(),
        ).group_by(OutboxMessage.peer_id, OutboxMessage.delivered_at.is_not(None), OutboxMessage.failed_at.is_not(None))
    )
    for peer_id, delivered, failed, count in rows:
        bucket = counts.setdefault(peer_id, {"pending": 0, "failed": 0, "delivered": 0})
        bucket["delivered" if delivered else "failed" if failed else "pending"] += count
    peers = session.scalars(select(Peer).order_by(Peer.name))
    return [PeerQueue(peer, **counts.get(peer.id, {"pending": 0, "failed": 0, "delivered": 0})) for peer in peers]
