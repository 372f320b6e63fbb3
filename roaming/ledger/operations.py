"""The ledger's books and figures; issuing and reporting receipts is ``roaming.ledger.reporting``.

The host issues a receipt when it decides on a request (confirmed, declined, or expired
unanswered), when a visit is completed, and for each event seat it hosted; the receipts travel to
the home node inside the visit (or registration) document. The home node checks each against the
visit as it holds it (``roaming.ledger.checks``), keeps the ones that match and reports them to
the coordinator (through the outbox), and reports the ones it refuses as refused. A host also
reports each receipt it issues, so the coordinator can compare both sides
(``roaming.ledger.coordination``): a host cannot inflate its own hosting, a home node cannot
invent it or quietly drop it, and nobody can count one twice.

Figures: a *flow* is what one host did for one home cluster's members in one month. Hosted
quantities (visits, desk-days, services, event seats) come from ``completed`` and ``event_seat``
receipts; request answers (confirmed, declined, expired, median response time) from the decision
receipts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from federation.receipts import DECISIONS
from roaming.db import insert_if_absent, session, utcnow
from roaming.identity.operations import jwks, metadata, node_id
from roaming.ledger.models import Book, Receipt, ReceiptRefusal
from roaming.peers.models import Peer, PeerKey

DELIVERED = ("completed", "event_seat")
FIGURES = ("period", "desk_days", "services", "event_seats", "response_seconds")


def refusals(book: Book, subject: str | None = None) -> list[ReceiptRefusal]:
    """The refused receipts in ``book`` (of one visit or registration, if given), newest first."""
    query = select(ReceiptRefusal).where(ReceiptRefusal.book == book).order_by(ReceiptRefusal.id.desc())
    if subject:
        query = query.where(ReceiptRefusal.subject == subject)
    return list(session.scalars(query))


def tokens_for(subject: str) -> list[str]:
    """The receipts of one visit or registration in our book, oldest first."""
    query = select(Receipt.token).where(Receipt.book == Book.NODE, Receipt.subject == subject).order_by(Receipt.id)
    return list(session.scalars(query))


def key_of(node: str, key_id: str) -> dict | None:
    """The public key ``key_id`` of ``node`` (ours or a peer's), or None."""
    if node == node_id():
        return next((key for key in jwks()["keys"] if key["kid"] == key_id), None)
    row = session.get(PeerKey, key_id)
    return row.jwk if row is not None and row.peer.node_id == node else None


def digest(token: str) -> str:
    """A token's SHA-256, hex: how a refused receipt is known again."""
    return hashlib.sha256(token.encode()).hexdigest()


def keep(book: Book, claims: dict, token: str) -> bool:
    """Write a verified receipt into ``book``; False when the book holds it already, or holds
    another decision or terminal receipt of its visit (the unique indexes: the caller tells which)."""
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
        token=token,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        recorded_at=utcnow(),
    )


def keep_refused(book: Book, claims: dict, token: str, reason: str, expected: dict | None) -> bool:
    """Write a refused receipt into ``book`` (its fields as signed, cut to the columns: it may be
    malformed); False when that token is held there already."""
    return insert_if_absent(
        ReceiptRefusal,
        book=book,
        token_digest=digest(token),
        receipt_id=_cut(claims.get("jti"), 80),
        issuer=_cut(claims.get("iss"), 64),
        audience=_cut(claims.get("aud"), 64),
        kind=_cut(claims.get("kind"), 20),
        subject=_cut(claims.get("subject"), 36),
        period=_cut(claims.get("period"), 7),
        claimed={name: _scalar(value) for name, value in claimed_figures(claims).items()},
        expected=expected,
        reason=reason,
        token=token,
        recorded_at=utcnow(),
    )


def _cut(value, length: int) -> str:
    return ("" if value is None else str(value))[:length]


def _scalar(value):
    """A claimed figure as it can be stored and shown: a number or null as signed, else its text."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return str(value)[:40]


def held(book: Book, claims: dict) -> Receipt | None:
    """The receipt of ``book`` with the id, issuer and audience of ``claims``."""
    return session.scalar(
        select(Receipt).where(
            Receipt.book == book,
            Receipt.issuer == claims["iss"],
            Receipt.audience == claims["aud"],
            Receipt.receipt_id == claims["jti"],
        )
    )


def figures(receipt: Receipt) -> dict:
    """What a receipt says, as both sides' reports are compared: its month and counts."""
    return {name: getattr(receipt, name) for name in FIGURES}


def claimed_figures(claims: dict) -> dict:
    """``figures`` of a receipt's claims, as signed (whatever they are)."""
    return {name: claims.get(name) for name in FIGURES}


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
    return tally(session.scalars(in_periods(select(Receipt).where(Receipt.book == book), period_from, period_to)))


def in_periods(query, period_from: str | None, period_to: str | None, model=Receipt):
    """``query`` limited to the months from ``period_from`` to ``period_to`` (each optional)."""
    if period_from:
        query = query.where(model.period >= period_from)
    if period_to:
        query = query.where(model.period <= period_to)
    return query.order_by(model.id)


def tally(receipts: Iterable[Receipt]) -> list[Flow]:
    """The flows the ``receipts`` make up, by month, host and home."""
    table: dict[tuple[str, str, str], Flow] = {}
    for receipt in receipts:
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


def names_of(flow: Flow, names: dict[str, str]) -> dict[str, str]:
    return {"host_name": names.get(flow.host, flow.host), "home_name": names.get(flow.home, flow.home)}


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


FEDERATION_CSV_COLUMNS = (*CSV_COLUMNS, "status", "disputed", "unconfirmed")


def named(rows: list[Flow]) -> list[dict]:
    """Flows as rows with the clusters' names."""
    names = node_names()
    return [flow.as_dict() | names_of(flow, names) for flow in rows]


def as_csv(rows: list[dict], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    """Ledger rows (with names) as CSV, for the clusters' own reporting."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def spreadsheet_safe(value):
    """A text cell that a spreadsheet would run as a formula (=, +, -, @ ...) is quoted with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
