"""The host's clock for events: registrations of events that have ended become attended (the
ledger signs an event seat) or missed, each on its own (``roaming.visits.clock.on_its_own``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from roaming.catalogue.models import Event
from roaming.db import session, utcnow
from roaming.events import hosting
from roaming.events.models import Registration, RegistrationState
from roaming.peers.models import VisitRole
from roaming.visits.clock import on_its_own
from roaming.visits.documents import history_entry

R = RegistrationState


def close_finished(now: datetime | None = None) -> int:
    """Registrations of events that have ended become attended (a signed event-seat receipt goes
    to the home node) or missed; returns how many were closed."""
    now = now or utcnow()
    ended = select(Event.uid).where(Event.ends_at <= now)
    open_ones = select(Registration).where(
        Registration.role == VisitRole.HOST,
        Registration.state.in_((R.REGISTERED, R.WAITLISTED)),
        Registration.event_uid.in_(ended),
    )
    closed = 0
    for registration in session.scalars(open_ones).all():
        with on_its_own(f"registration {registration.uid}"):
            closed += _close(registration, now)
    return closed


def _close(registration: Registration, now: datetime) -> int:
    """Close one registration of an event that has ended; 0 if it was changed meanwhile (the next
    tick sees it as it is now). Commits the registration on its own (the clock, item by item)."""
    old = registration.state
    if not hosting.move(registration, old, R.ATTENDED if old is R.REGISTERED else R.MISSED):
        session.rollback()
        return 0
    hosting.changed(registration, history_entry(registration.state, "system", "The event is over."), old, at=now)
    session.commit()
    return 1
