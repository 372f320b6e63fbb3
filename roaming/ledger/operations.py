"""Issuing, accepting and reporting receipts, and the ledger's figures.

The host issues a receipt when it decides on a request (confirmed, declined, or expired
unanswered), when a visit is completed, and for each event seat it hosted; the receipts travel to
the home node inside the visit (or registration) document. The home node verifies each against
the host's keys and keeps it, then reports it to the coordinator (through the outbox). The
coordinator counts a receipt only when its issuer's signature holds and the node reporting it is
its audience: a host cannot inflate its own hosting, a home node cannot invent it, and nobody can
count one twice.

Figures: a *flow* is what one host did for one home cluster's members in one month. Hosted
quantities (visits, desk-days, services, event seats) come from ``completed`` and ``event_seat``
receipts; request answers (confirmed, declined, expired, median response time) from the decision
receipts.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from federation.receipts import ReceiptRejected, signed_receipt, verify_receipt
from roaming.db import insert_if_absent, session, utcnow
from roaming.errors import DomainError
from roaming.identity.operations import jwks, key_ring, metadata, node_id
from roaming.ledger.models import Book, Receipt
from roaming.peers.delivery import enqueue
from roaming.peers.models import Peer, PeerKey, RegistryCopy

REPORT_PATH = "/federation/ledger/receipts"
DECISIONS = ("confirmed", "declined", "expired")
DELIVERED = ("completed", "event_seat")


class ReceiptRefused(DomainError):
    """A reported receipt was not accepted (``status`` 422: invalid; 409: counted already)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# -- issuing and accepting -----------------------------------------------------------------------


def issue(peer: Peer, kind: str, subject: str, period: str, now: datetime | None = None, **counts) -> None:
    """Host side: sign a receipt for ``peer`` (the visitor's home) and keep it in our book; a
    receipt of this kind for this subject exists at most once. ``counts``: desk_days, services,
    event_seats, response_seconds."""
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
    _record(Book.NODE, payload | {"token": token})


def tokens_for(subject: str) -> list[str]:
    """The receipts of one visit or registration in our book, oldest first."""
    query = select(Receipt.token).where(Receipt.book == Book.NODE, Receipt.subject == subject).order_by(Receipt.id)
    return list(session.scalars(query))


def accept_from_host(host: Peer, tokens: list[str], subject: str) -> int:
    """Home side: keep the host's receipts for ``subject`` that are new, and report them to the
    coordinator. Returns how many were new. Raises ``DomainError`` for a receipt that does not
    verify (the caller refuses the whole document)."""
    new = 0
    for token in tokens:
        try:
            claims = verify_receipt(token, issuer_key=_key_of, issuer=host.node_id, audience=node_id())
        except ReceiptRejected as rejected:
            raise DomainError(f"{host.name} sent a receipt that does not verify: {rejected.reason}") from None
        if claims["subject"] != subject:
            raise DomainError(f"{host.name} sent a receipt for another visit ({claims['subject']}).")
        if _record(Book.NODE, claims | {"token": token}):
            new += 1
            report(token)
    return new


def report(token: str) -> None:
    """Home side: send a receipt to the coordinator (we are its audience). On the coordinator
    itself it goes straight into the federation's book; without a coordinator, nowhere."""
    if current_app.config["COORDINATOR_ENABLED"]:
        record_reported(node_id(), token)
        return
    coordinator = coordinator_peer()
    if coordinator is not None:
        enqueue(coordinator, REPORT_PATH, {"receipt": token})


def coordinator_peer() -> Peer | None:
    held = session.get(RegistryCopy, 1)
    if held is None or not held.coordinator_node_id:
        return None
    return session.scalar(select(Peer).where(Peer.node_id == held.coordinator_node_id))


def record_reported(reporter: str, token: str) -> Receipt:
    """Coordinator: count a receipt reported by node ``reporter``. Raises ``ReceiptRefused``:
    422 when it does not verify or ``reporter`` is not its audience, 409 when counted already."""
    try:
        claims = verify_receipt(token, issuer_key=_key_of)
    except ReceiptRejected as rejected:
        raise ReceiptRefused(f"Receipt refused: {rejected.reason}") from None
    if claims["aud"] != reporter:
        raise ReceiptRefused("Receipt refused: only the cluster whose member was hosted reports a receipt.")
    if claims["iss"] == reporter:
        raise ReceiptRefused("Receipt refused: a node cannot report receipts it issued itself.")
    if not _record(Book.FEDERATION, claims | {"token": token}):
        raise ReceiptRefused(f"Receipt {claims['jti']} was counted already.", 409)
    return session.scalar(select(Receipt).where(Receipt.book == Book.FEDERATION, Receipt.receipt_id == claims["jti"]))


def _key_of(node: str, key_id: str) -> dict | None:
    if node == node_id():
        return next((key for key in jwks()["keys"] if key["kid"] == key_id), None)
    row = session.get(PeerKey, key_id)
    return row.jwk if row is not None and row.peer.node_id == node else None


def _record(book: Book, claims: dict) -> bool:
    return insert_if_absent(
        Receipt,
        book=book,
        receipt_id=claims["jti"],
        issuer=claims["iss"],
        audience=claims["aud"],
        kind=claims["kind"],
        subject=claims["subject"],
        period=claims["period"],
        desk_days=claims["desk_days"],
        services=claims["services"],
        event_seats=claims["event_seats"],
        response_seconds=claims.get("response_seconds"),
        token=claims["token"],
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        recorded_at=utcnow(),
    )


# -- figures -------------------------------------------------------------------------------------


@dataclass
class Flow:
    """What ``host`` did for members of ``home`` in ``period``."""

    host: str
    home: str
    period: str
    visits: int = 0
    desk_days: int = 0
    services: int = 0
    event_seats: int = 0
    confirmed: int = 0
    declined: int = 0
    expired: int = 0
    median_response_hours: float | None = None
    _responses: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("_responses")
        return data


def flows(book: Book, period_from: str | None = None, period_to: str | None = None) -> list[Flow]:
    query = select(Receipt).where(Receipt.book == book)
    if period_from:
        query = query.where(Receipt.period >= period_from)
    if period_to:
        query = query.where(Receipt.period <= period_to)
    table: dict[tuple[str, str, str], Flow] = {}
    for receipt in session.scalars(query.order_by(Receipt.id)):
        flow = table.setdefault(
            (receipt.issuer, receipt.audience, receipt.period), Flow(receipt.issuer, receipt.audience, receipt.period)
        )
        if receipt.kind in DELIVERED:
            flow.visits += receipt.kind == "completed"
            flow.desk_days += receipt.desk_days
            flow.services += receipt.services
            flow.event_seats += receipt.event_seats
        elif receipt.kind in DECISIONS:
            setattr(flow, receipt.kind, getattr(flow, receipt.kind) + 1)
            if receipt.response_seconds is not None:
                flow._responses.append(receipt.response_seconds)
    for flow in table.values():
        if flow._responses:
            flow.median_response_hours = round(statistics.median(flow._responses) / 3600, 1)
    return sorted(table.values(), key=lambda f: (f.period, f.host, f.home))


def node_ledger(period_from: str | None = None, period_to: str | None = None) -> list[dict]:
    """This node's ledger: per partner and month, what we hosted for it (and how we answered its
    requests) and what it hosted for us (and how it answered ours)."""
    me, names = node_id(), node_names()
    rows = []
    for flow in flows(Book.NODE, period_from, period_to):
        direction = "hosted_for" if flow.host == me else "received_from"
        partner = flow.home if flow.host == me else flow.host
        rows.append(
            {"partner": {"node_id": partner, "name": names.get(partner, partner)}, "direction": direction}
            | flow.as_dict()
        )
    return rows


def federation_ledger(period_from: str | None = None, period_to: str | None = None) -> list[dict]:
    """The coordinator's figures: who hosted whom, how much, and how requests were answered."""
    names = node_names()
    return [
        flow.as_dict() | {"host_name": names.get(flow.host, flow.host), "home_name": names.get(flow.home, flow.home)}
        for flow in flows(Book.FEDERATION, period_from, period_to)
    ]


def node_names() -> dict[str, str]:
    names = dict(session.execute(select(Peer.node_id, Peer.name)).all())
    names[node_id()] = metadata()["name"]
    return names


CSV_COLUMNS = (
    "period",
    "host",
    "host_name",
    "home",
    "home_name",
    "visits",
    "desk_days",
    "services",
    "event_seats",
    "confirmed",
    "declined",
    "expired",
    "median_response_hours",
)


def as_csv(rows: list[Flow]) -> str:
    """Flows as CSV with node names, for the clusters' own reporting."""
    names, out = node_names(), io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for flow in rows:
        row = flow.as_dict() | {"host_name": names.get(flow.host), "home_name": names.get(flow.home)}
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def spreadsheet_safe(value):
    """A text cell that a spreadsheet would run as a formula (=, +, -, @ ...) is quoted with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
