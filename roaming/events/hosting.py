"""The host side of event registrations: seats, the waiting list, cancellations, the clock.

A registration gets the lowest free visitor seat of the event (an ``EventSeat`` row) or a place on
the waiting list. A cancellation frees the seat and promotes the longest-waiting registrations in
the same transaction, as long as seats are free. Two guards make this exact under concurrency: a
cancellation, a promotion and the closing clock each change the registration's state with a
conditional UPDATE (of concurrent changes of one registration only one wins; the others change
nothing), and a seat is an INSERT under UNIQUE(event, seat) and UNIQUE(registration) (a seat goes to
one registration, a registration gets one seat). New registrations of one partner are taken one at
a time (its row is locked), so nobody is registered twice. Every change is announced
(``roaming.signals.registration_changed``, side "host"): the ledger signs an event seat used,
staff hear of new registrations, and the document goes to the home node when the transaction
commits (``roaming.events.copies``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, func, select, update

from roaming import signals
from roaming.catalogue.models import Event
from roaming.db import insert_if_absent, lock_row, session, utcnow
from roaming.errors import Conflict, NotFound
from roaming.events.documents import event_snapshot
from roaming.events.models import EventSeat, Registration, RegistrationState
from roaming.peers.models import Peer
from roaming.visits.documents import history_entry
from roaming.visits.hosting import verified_visitor
from roaming.visits.models import VisitRole

R = RegistrationState


def hosted_registration_of(peer: Peer, uid: str) -> Registration:
    registration = session.scalar(
        select(Registration).where(Registration.uid == uid, Registration.role == VisitRole.HOST)
    )
    if registration is None or registration.peer_id != peer.id:
        raise NotFound(f"No registration {uid} at this host.")
    return registration


def list_hosted(event_uid: str | None = None) -> list[Registration]:
    query = select(Registration).where(Registration.role == VisitRole.HOST)
    if event_uid:
        query = query.where(Registration.event_uid == event_uid)
    return list(session.scalars(query.order_by(Registration.event_uid, Registration.id)))


def receive_registration(peer: Peer, request: dict, now: datetime | None = None) -> tuple[Registration, bool]:
    """Register ``peer``'s member for one of our events: a seat if one is free, else the waiting
    list. Returns the registration and whether it is new (a repeated id returns the first)."""
    now = now or utcnow()
    existing = session.scalar(select(Registration).where(Registration.uid == request["registration_id"]))
    if existing is not None:
        if existing.role is not VisitRole.HOST or existing.peer_id != peer.id:
            raise Conflict("This registration id is taken.")
        return existing, False
    claims = verified_visitor(peer, request["registration_id"], request["attestation"])
    event = _open_event(request["event"], now)
    person_ref = claims["person"]["ref"]
    lock_row(Peer, peer.id)  # one registration of a partner at a time: nobody is registered twice
    twice = select(Registration.id).where(
        Registration.event_uid == event.uid,
        Registration.peer_id == peer.id,
        Registration.person_ref == person_ref,
        Registration.state.in_((R.REGISTERED, R.WAITLISTED)),
    )
    if session.scalar(twice) is not None:
        raise Conflict(f"{claims['person']['name']} is registered for {event.title} already.")
    registration = Registration(
        uid=request["registration_id"],
        role=VisitRole.HOST,
        peer=peer,
        event_uid=event.uid,
        event=event_snapshot(event),
        state=R.WAITLISTED,
        version=1,
        price=_price(event),
        person_ref=person_ref,
        visitor={**{k: claims["person"].get(k) for k in ("name", "email", "language")}, "company": claims["company"]},
        history=[history_entry(R.REQUESTED, "visitor")],
    )
    session.add(registration)
    session.flush()
    if _take_seat(event, registration):
        registration.state = R.REGISTERED
        registration.history = [*registration.history, history_entry(R.REGISTERED, "host", "A seat is yours.")]
    else:
        registration.waitlist_position = _waitlist_length(event)
        note = f"The visitor seats are taken: number {registration.waitlist_position} on the waiting list."
        registration.history = [*registration.history, history_entry(R.WAITLISTED, "host", note)]
    _announce(registration, registration.state.value, None)
    session.flush()
    return registration, True


def _open_event(uid: str, now: datetime) -> Event:
    event = session.scalar(select(Event).where(Event.uid == uid))
    if event is None:
        raise NotFound(f"No event {uid} at this host.")
    if event.starts_at <= now:
        raise Conflict(f"{event.title} has begun; registration is closed.")
    if event.visitor_seats <= 0:
        raise Conflict(f"{event.title} has no seats for visitors from partner clusters.")
    return event


def _price(event: Event) -> dict:
    if not event.member_rate_amount:
        return {"amount": 0, "currency": event.member_rate_currency, "note": "free"}
    return {"amount": event.member_rate_amount, "currency": event.member_rate_currency, "note": "member rate"}


def _take_seat(event: Event, registration: Registration) -> bool:
    """Give ``registration`` the lowest free seat; False if none is free or it holds one already."""
    while True:
        taken = set(session.scalars(select(EventSeat.seat).where(EventSeat.event_id == event.id)))
        free = [seat for seat in range(1, event.visitor_seats + 1) if seat not in taken]
        if not free:
            return False
        if insert_if_absent(EventSeat, event_id=event.id, seat=free[0], registration_id=registration.id):
            return True
        if session.scalar(select(EventSeat.id).where(EventSeat.registration_id == registration.id)):
            return False  # someone else promoted it meanwhile
        # another registration took that seat first: look again


def _waitlist_length(event: Event) -> int:
    return session.scalar(
        select(func.count()).where(Registration.event_uid == event.uid, Registration.state == R.WAITLISTED)
    )


def cancel(registration: Registration, by: str) -> Registration:
    """Cancel a registration (any number of times: once it counts) and promote from the list."""
    old = registration.state
    won = session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state.in_((R.REGISTERED, R.WAITLISTED)))
        .values(state=R.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(registration)
    if not won:
        if registration.state is R.CANCELLED:
            return registration  # cancelled before: nothing changes
        raise Conflict(f"The registration is {registration.state.value}; it cannot be cancelled.")
    _give_back_seat(registration)
    changed(registration, history_entry(R.CANCELLED, by), old)
    event = session.scalar(select(Event).where(Event.uid == registration.event_uid))
    if event is not None:
        promote(event)
    session.flush()
    return registration


def promote(event: Event) -> int:
    """Give free seats to the waiting list, longest waiting first; returns how many moved up.

    Each promotion takes a seat, then moves the registration from waitlisted to registered only if
    it is still waitlisted (a conditional UPDATE): one cancelled meanwhile gives its seat back and
    stays cancelled."""
    promoted = 0
    waiting = select(Registration).where(Registration.event_uid == event.uid, Registration.state == R.WAITLISTED)
    for registration in session.scalars(waiting.order_by(Registration.id)).all():
        if not _take_seat(event, registration):
            if _free_seats(event) == 0:
                break
            continue
        if not move(registration, R.WAITLISTED, R.REGISTERED, waitlist_position=None):
            _give_back_seat(registration)
            continue
        changed(registration, history_entry(R.REGISTERED, "host", "A seat was freed: it is yours now."), R.WAITLISTED)
        promoted += 1
    _renumber(event)
    return promoted


def move(registration: Registration, old: RegistrationState, new: RegistrationState, **values) -> bool:
    """Move ``registration`` from ``old`` to ``new`` in one conditional UPDATE (which also takes its
    row) and reload it; False, with nothing changed, if it is not in ``old`` any more."""
    moved = session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state == old)
        .values(state=new, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(registration)
    return cast(CursorResult, moved).rowcount == 1


def _give_back_seat(registration: Registration) -> None:
    session.execute(EventSeat.__table__.delete().where(EventSeat.registration_id == registration.id))


def _free_seats(event: Event) -> int:
    return event.visitor_seats - session.scalar(select(func.count()).where(EventSeat.event_id == event.id))


def _renumber(event: Event) -> None:
    """Tell the people still waiting their new place in the list."""
    waiting = select(Registration).where(Registration.event_uid == event.uid, Registration.state == R.WAITLISTED)
    for position, registration in enumerate(session.scalars(waiting.order_by(Registration.id)).all(), start=1):
        if registration.waitlist_position != position:
            registration.waitlist_position = position
            _next_version(registration)
            _announce(registration, "waitlist_moved", registration.state)


def cancel_from_home(peer: Peer, uid: str) -> Registration:
    return cancel(hosted_registration_of(peer, uid), "visitor")


def changed(registration: Registration, entry: dict, old: RegistrationState, **details) -> None:
    _next_version(registration)
    registration.history = [*registration.history, entry]
    _announce(registration, registration.state.value, old, **details)


def _announce(registration: Registration, what: str, old: RegistrationState | None, **details) -> None:
    """Tell the receivers of ``roaming.signals.registration_changed`` (the ledger, notices, the
    copy for the home node) what happened, in this transaction, once the change is flushed."""
    session.flush()
    signals.registration_changed.send(registration, side=VisitRole.HOST, what=what, old=old, **details)


def _next_version(registration: Registration) -> None:
    """Bump the version in the database (``version = version + 1``, which also takes the row) and
    reload the row: concurrent changes to one registration queue up, each with its own version,
    and none is lost (on PostgreSQL an ORM ``+= 1`` would let two of them share a version)."""
    session.execute(
        update(Registration)
        .where(Registration.id == registration.id)
        .values(version=Registration.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(registration)
