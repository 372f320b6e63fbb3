"""Issuing receipts and reporting them to the coordinator.

A host signs a receipt, keeps it in its book and reports it; a home reports each receipt it
accepted or refused (``roaming.ledger.checks``). On the coordinator node a report goes straight
into the federation's book (``roaming.ledger.coordination``); elsewhere through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask import current_app
from sqlalchemy import select

from federation.receipts import signed_receipt
from roaming.db import session, utcnow
from roaming.identity.operations import key_ring, node_id
from roaming.ledger import coordination
from roaming.ledger.models import Book
from roaming.ledger.operations import keep
from roaming.peers.delivery import enqueue
from roaming.peers.models import Peer, RegistryCopy

ACCEPTED_PATH = "/federation/ledger/receipts"  # a home's report of a receipt it accepted
ISSUED_PATH = "/federation/ledger/issued"  # a host's report of a receipt it signed
REFUSED_PATH = "/federation/ledger/refusals"  # a home's report of a receipt it refused


def issue(peer: Peer, kind: str, subject: str, period: str, now: datetime | None = None, **counts) -> None:
    """Host side: sign a receipt for ``peer`` (the visitor's home), keep it in our book and report
    it to the coordinator; a receipt of this kind for this subject exists at most once. ``counts``:
    desk_days, services, event_seats, response_seconds."""
    now = now or utcnow()
    claims = {
        "kind": kind,
        "subject": subject,
        "period": period,
        "desk_days": counts.get("desk_days", 0),
        "services": counts.get("services", 0),
        "event_seats": counts.get("event_seats", 0),
        "response_seconds": counts.get("response_seconds"),
    }
    token, payload = signed_receipt(claims, key_ring().signing_key(), issuer=node_id(), audience=peer.node_id, now=now)
    if keep(Book.NODE, payload, token):
        report_issued(token)


def report(token: str) -> None:
    """Home side: send a receipt we accepted to the coordinator (we are its audience); on the
    coordinator itself it goes straight into the federation's book; without a coordinator,
    nowhere."""
    _to_coordinator(ACCEPTED_PATH, {"receipt": token}, partial(coordination.record_accepted, node_id(), token))


def report_issued(token: str) -> None:
    """Host side: send a receipt we signed to a coordinator that compares both sides' reports."""
    record = partial(coordination.record_issued, node_id(), token)
    _to_coordinator(ISSUED_PATH, {"receipt": token}, record, comparing=True)


def report_refused(token: str, reason: str, expected: dict | None) -> None:
    """Home side: tell a coordinator that compares both sides' reports that we refused a receipt
    addressed to us, why, and the counts the visit as we hold it gives."""
    report = {"receipt": token, "reason": reason, "expected": expected}
    record = partial(coordination.record_refused, node_id(), token, reason, expected)
    _to_coordinator(REFUSED_PATH, report, record, comparing=True)


def _to_coordinator(path: str, payload: dict, record: Callable[[], object], comparing: bool = False) -> None:
    """On the coordinator, ``record`` the report at once; elsewhere send it to the coordinator
    through the outbox (with ``comparing``, only to one that compares both sides' reports)."""
    if current_app.config["COORDINATOR_ENABLED"]:
        record()
        return
    coordinator = coordinator_peer(comparing)
    if coordinator is not None:
        enqueue(coordinator, path, payload)


def coordinator_peer(comparing: bool = False) -> Peer | None:
    """The coordinator of the registry we follow (None without one); with ``comparing``, only if
    its registry says it compares hosts' and homes' reports (an older one does not know those
    reports and would refuse them)."""
    held = session.get(RegistryCopy, 1)
    if held is None or not held.coordinator_node_id or (comparing and not held.receipt_checks):
        return None
    return session.scalar(select(Peer).where(Peer.node_id == held.coordinator_node_id))
