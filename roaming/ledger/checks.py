"""The home's check of what a host signs about our members (docs/protocol.md, section 10).

A receipt is the host's signed claim about one of our members' visits or event registrations. The
home takes receipts only from a document that moves the visit (or registration) to a newer
version, once the document itself was found to agree with what was asked for and with what we
held (``roaming.visits.documents.apply_document``), and compares each receipt with the visit as
it now holds it. A receipt must be:

- addressed to us, well formed, and about this visit;
- of a kind the visit's state gives: the decision it had (confirmed, declined, expired), the
  completion of a completed visit, the seat of a registration that held one and was attended;
- for the month the visit begins (the event's month), with exactly the counts the visit gives:
  desk days are the days checked in times the people asked for, services the services asked for
  (none without a day checked in), event seats 1 for an attended registration and 0 otherwise; a
  response time on confirmed and declined only;
- not a changed copy of a receipt taken before, and not a second decision or terminal receipt of
  the visit (the receipt table's unique indexes decide that, whoever writes at once).

A receipt that passes is kept in our book and reported to the coordinator. One that does not is
kept apart as a ``ReceiptRefusal`` (never counted), logged, reported to the coordinator with the
counts we expected, and named in the problem answer to the host's update (``problem``). A token
that is not signed by the visit's host is no receipt at all: the document carrying it is refused
whole (``DomainError``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from federation.receipts import (
    COUNTS,
    DECISIONS,
    PER_DOCUMENT,
    TERMINAL,
    ReceiptRejected,
    check_claims,
    signed_payload,
)
from roaming.db import session, utcnow
from roaming.errors import DomainError, error_body
from roaming.events.models import Registration, RegistrationState
from roaming.identity.operations import node_id
from roaming.ledger import operations as ledger
from roaming.ledger import reporting
from roaming.ledger.models import Book, Receipt, ReceiptRefusal
from roaming.peers.models import Peer
from roaming.visits.models import DayStatus, Visit, VisitState

S, R = VisitState, RegistrationState
CLOCK_SLACK_SECONDS = 300  # how far two nodes' clocks may disagree
CONFIRMED_BEFORE = (S.CONFIRMED, S.CHECKED_IN, S.NO_SHOW, S.COMPLETED)  # states only a confirmed visit reaches
NOTHING = dict.fromkeys(COUNTS, 0)


@dataclass(frozen=True)
class Fit:
    """What a receipt of one kind must say to match the visit or registration as we hold it."""

    period: str
    counts: dict[str, int]
    answered: bool = False  # confirmed and declined carry response_seconds; nothing else does
    answered_within: int | None = None  # seconds since we asked: no answer took longer


class Refused(Exception):
    def __init__(self, reason: str, expected: dict | None = None):
        super().__init__(reason)
        self.reason, self.expected = reason, expected


def visit_fits(visit: Visit, before: VisitState) -> dict[str, Fit]:
    """The receipts ``visit`` gives now, by kind; ``before``: its state before the document that
    was just applied (a cancelled visit had a confirmation only if we saw it confirmed)."""
    period, state = visit.starts_on.strftime("%Y-%m"), visit.state
    asked_ago = max(0, int((utcnow() - visit.created_at).total_seconds())) + CLOCK_SLACK_SECONDS
    fits = {}
    if state in CONFIRMED_BEFORE or (state is S.CANCELLED and _was(visit.history, before, CONFIRMED_BEFORE)):
        fits["confirmed"] = Fit(period, NOTHING, answered=True, answered_within=asked_ago)
    if state in (S.DECLINED, S.EXPIRED):
        fits[state.value] = Fit(period, NOTHING, answered=state is S.DECLINED, answered_within=asked_ago)
    if state is S.COMPLETED:
        attended = sum(day.status is DayStatus.CHECKED_IN for day in visit.days)
        services = len(visit.services) if attended else 0
        fits["completed"] = Fit(period, {"desk_days": attended * visit.people, "services": services, "event_seats": 0})
    return fits


def registration_fits(registration: Registration, before: RegistrationState) -> dict[str, Fit]:
    """The receipts ``registration`` gives now: an event seat once attended, if we saw it hold one."""
    if registration.state is R.ATTENDED and _was(registration.history, before, (R.REGISTERED, R.ATTENDED)):
        period = str(registration.event.get("starts_at", ""))[:7]
        return {"event_seat": Fit(period, {"desk_days": 0, "services": 0, "event_seats": 1})}
    return {}


def _was(history: list[dict], before, states: tuple) -> bool:
    """Whether the visit or registration was in one of ``states``: as we held it before the
    document, or as the document's history tells. The home may not have seen every version (the
    answer to a cancellation can overtake the update that confirmed the visit), so its own
    ``before`` alone would refuse an honest host's confirmation."""
    return before in states or any(entry.get("state") in {state.value for state in states} for entry in history)


def take(host: Peer, subject: str, tokens: list[str], fits: dict[str, Fit], held_as: str) -> None:
    """Keep and report each receipt in ``tokens`` that matches ``fits`` (of the visit or
    registration ``subject``, described by ``held_as`` in refusals, e.g. "The visit was confirmed
    and is completed"); refuse the others. Raises ``DomainError`` for a token the host did not sign."""
    for token in tokens:
        claims = _signed_by(host, token)
        try:
            if _take(claims, token, subject, fits, held_as):
                reporting.report(token)
        except Refused as refused:
            _refuse(claims, token, refused.reason, refused.expected)


def _signed_by(host: Peer, token: str) -> dict:
    try:
        return signed_payload(token, issuer_key=ledger.key_of, issuer=host.node_id)
    except ReceiptRejected as rejected:
        raise DomainError(f"{host.name} sent a receipt that does not verify: {rejected.reason}") from None


def _take(claims: dict, token: str, subject: str, fits: dict[str, Fit], held_as: str) -> bool:
    """True when the receipt is new and kept, False when we hold it already; raises ``Refused``."""
    if claims.get("aud") != node_id():
        raise Refused(f"The receipt is addressed to another node ({str(claims.get('aud'))[:64]}), not to us.")
    try:
        check_claims(claims)
    except ReceiptRejected as rejected:
        raise Refused(rejected.reason) from None
    if claims["subject"] != subject:
        raise Refused(f"The receipt is about {claims['subject']}, not about {subject}, the visit it came with.")
    if _held_before(claims):
        return False
    fit = fits.get(claims["kind"])
    if fit is None:
        raise Refused(f"{held_as}: no {claims['kind']} receipt fits it.")
    _compare(claims, fit)
    if ledger.keep(Book.NODE, claims, token):
        return True
    if _held_before(claims):  # the same receipt, kept meanwhile by a copy of this document
        return False
    raise Refused(_second(claims), fit.counts)


def _held_before(claims: dict) -> bool:
    """Whether we hold this receipt already; raises ``Refused`` if we hold it with other figures."""
    held = ledger.held(Book.NODE, claims)
    if held is None:
        return False
    if ledger.figures(held) != ledger.claimed_figures(claims):
        raise Refused(
            f"A receipt with the id {claims['jti']} was taken before with other figures "
            f"({_said(ledger.figures(held))}); a receipt does not change.",
            {name: getattr(held, name) for name in COUNTS},
        )
    return True


def _compare(claims: dict, fit: Fit) -> None:
    if claims["period"] != fit.period:
        raise Refused(f"The receipt is for {claims['period']}; the visit is in {fit.period}.", fit.counts)
    counts = {name: claims[name] for name in COUNTS}
    if counts != fit.counts:
        raise Refused(f"The receipt counts {_said(counts)}; the visit as agreed gives {_said(fit.counts)}.", fit.counts)
    if (claims.get("response_seconds") is not None) != fit.answered:
        wanted = "a response time" if fit.answered else "no response time"
        raise Refused(f"A {claims['kind']} receipt carries {wanted}.", fit.counts)
    took = claims.get("response_seconds")
    if took is not None and fit.answered_within is not None and took > fit.answered_within:
        raise Refused(
            f"The receipt says the host answered after {took} s; we asked {fit.answered_within} s ago at most.",
            fit.counts,
        )


def _second(claims: dict) -> str:
    """Why the unique indexes refused a receipt: the decision or terminal receipt taken before."""
    for what, kinds in (("decision", DECISIONS), ("terminal", TERMINAL)):
        if claims["kind"] not in kinds:
            continue
        first = session.scalar(
            select(Receipt.receipt_id).where(
                Receipt.book == Book.NODE,
                Receipt.issuer == claims["iss"],
                Receipt.audience == claims["aud"],
                Receipt.subject == claims["subject"],
                Receipt.kind.in_(kinds),
            )
        )
        if first is not None:
            return f"A second {what} receipt for this visit: {first} was taken before."
    return "The receipt conflicts with one taken before."


def _said(figures: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in figures.items() if name in COUNTS or name == "period")


def _refuse(claims: dict, token: str, reason: str, expected: dict | None) -> None:
    """Keep the refused receipt apart (once per token), log it, and report it to the coordinator
    when it is well formed and addressed to us (the coordinator could place nothing else)."""
    if not ledger.keep_refused(Book.NODE, claims, token, reason, expected):
        return
    current_app.logger.warning("Refused receipt %.80s from %.64s: %s", claims.get("jti"), claims.get("iss"), reason)
    try:
        check_claims(claims)
    except ReceiptRejected:
        return
    if claims["aud"] == node_id():
        reporting.report_refused(token, reason, expected)


def problem(tokens: object) -> dict | None:
    """The problem answer to a host whose update carried receipts we refused (the update itself
    was applied), naming each refused receipt and why; None when it carried none."""
    listed = tokens[:PER_DOCUMENT] if isinstance(tokens, list) else []
    digests = [ledger.digest(token) for token in listed if isinstance(token, str)]
    refused = session.scalars(
        select(ReceiptRefusal)
        .where(ReceiptRefusal.book == Book.NODE, ReceiptRefusal.token_digest.in_(digests))
        .order_by(ReceiptRefusal.id)
    ).all()
    if not refused:
        return None
    reasons: dict[str, list[str]] = {}
    for refusal in refused:
        reasons.setdefault(refusal.receipt_id or "receipt", []).append(refusal.reason)
    named = "; ".join(f"{refusal.receipt_id}: {refusal.reason}" for refusal in refused)
    message = f"The update was applied, but these receipts are refused and not counted: {named}"
    return error_body(422, message, {"receipts": reasons})
