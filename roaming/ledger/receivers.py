"""The ledger's part in the lifecycles of visits and event registrations (``roaming.signals``).

As host, the node signs a receipt for each answer to a request (confirmed, declined, expired),
for a completed visit and for an event seat used. As home, it checks the receipts a host's
document carries against the visit or registration it holds (``roaming.ledger.checks``). The
documents sent to a home carry the receipts signed for their subject.
"""

from __future__ import annotations

from datetime import datetime

from roaming import signals
from roaming.db import utcnow
from roaming.events.models import Registration, RegistrationState
from roaming.ledger import checks, reporting
from roaming.ledger import operations as ledger
from roaming.visits.models import DayStatus, Visit, VisitRole, VisitState

VISIT_RECEIPTS = ("confirmed", "declined", "expired", "completed")


@signals.visit_changed.connect
def on_visit(visit: Visit, *, side: str, what: str, old: VisitState | None, document: dict | None = None, **_):
    if side == VisitRole.HOST:
        confirmed_at_once = what == "requested" and visit.state is VisitState.CONFIRMED
        kind = "confirmed" if confirmed_at_once else what
        if kind in VISIT_RECEIPTS:
            _issue_for_visit(visit, kind)
    elif document is not None and old is not None:
        fits = checks.visit_fits(visit, before=old)
        held_as = f"The visit was {old.value} and is {visit.state.value}"
        checks.take(visit.peer, visit.uid, document["receipts"], fits, held_as)


def _issue_for_visit(visit: Visit, kind: str) -> None:
    counts: dict = {}
    if kind == "completed":
        attended = [day for day in visit.days if day.status is DayStatus.CHECKED_IN]
        counts = {"desk_days": len(attended) * visit.people, "services": len(visit.services) if attended else 0}
    elif kind != "expired":  # an expired request was never answered
        counts = {"response_seconds": max(0, int((utcnow() - visit.created_at).total_seconds()))}
    reporting.issue(visit.peer, kind, visit.uid, visit.starts_on.strftime("%Y-%m"), **counts)


@signals.registration_changed.connect
def on_registration(
    registration: Registration,
    *,
    side: str,
    what: str,
    old: RegistrationState | None,
    document: dict | None = None,
    at: datetime | None = None,
    **_,
):
    if side == VisitRole.HOST:
        if what == RegistrationState.ATTENDED:
            period = registration.event["starts_at"][:7]
            reporting.issue(registration.peer, "event_seat", registration.uid, period, now=at, event_seats=1)
    elif document is not None and old is not None:
        fits = checks.registration_fits(registration, before=old)
        held_as = f"The registration was {old.value} and is {registration.state.value}"
        checks.take(registration.peer, registration.uid, document["receipts"], fits, held_as)


@signals.receipts_for.connect
def signed_for(subject: str, **_) -> list[str]:
    return ledger.tokens_for(subject)


@signals.refused_receipts.connect
def refused(tokens: object, **_) -> dict | None:
    return checks.problem(tokens)
