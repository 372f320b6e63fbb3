"""The host's registrations in-process: promotions from the waiting list and the closing clock
are exclusive against a visitor's cancellation made at the same instant (on each database)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from roaming.catalogue.models import Event
from roaming.db import session
from roaming.events import clock as events_clock
from roaming.events import hosting
from roaming.events.documents import event_snapshot
from roaming.events.models import EventSeat, Registration, RegistrationState
from roaming.ledger.models import Receipt
from roaming.peers.models import Peer, TrustSource
from roaming.visits.models import VisitRole
from tests.support.races import interleaved

pytestmark = pytest.mark.each_database

R = RegistrationState


@pytest.fixture
def register(within, make_event):
    """``register(state, ...)``: a partner's visitor registered for one event (a seat is taken for
    a registered one); returns the registration's uid. The event has ``seats`` visitor seats."""
    made = {}

    def add(state: RegistrationState, seats: int = 1) -> str:
        if "event" not in made:
            made["event"] = make_event(visitor_seats=seats)
            made["peer"] = within(_add_peer)
        event_id, peer_id = made["event"].id, made["peer"].id

        def insert():
            event = session.get(Event, event_id)
            registration = Registration(
                uid=str(uuid.uuid4()),
                role=VisitRole.HOST,
                peer_id=peer_id,
                event_uid=event.uid,
                event=event_snapshot(event),
                state=state,
                version=1,
                person_ref=f"p-{uuid.uuid4().hex[:8]}",
                visitor={"name": "Ana Weber", "email": "ana@datenwerk.example", "language": "de"},
                history=[],
            )
            session.add(registration)
            session.flush()
            if state is R.REGISTERED:
                assert hosting._take_seat(event, registration)
            session.commit()
            return registration.uid

        return within(insert)

    return add


def _add_peer() -> Peer:
    peer = Peer(node_id=str(uuid.uuid4()), name="CyberForum", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
    session.add(peer)
    session.commit()
    return peer


def _registration(uid: str) -> Registration:
    return session.scalar(select(Registration).where(Registration.uid == uid))


def _event_of(uid: str) -> Event:
    return session.scalar(select(Event).where(Event.uid == _registration(uid).event_uid))


def _seat_holders(uid: str) -> list[str]:
    rows = session.execute(select(Registration.uid).join(EventSeat, EventSeat.registration_id == Registration.id)).all()
    return [row.uid for row in rows]


def test_a_waiting_visitor_who_cancels_while_promoted_stays_cancelled(app, within, register):
    first = register(R.WAITLISTED, seats=2)  # both seats were freed a moment ago
    second = register(R.WAITLISTED)

    def visitor_cancels_first():
        hosting.cancel(_registration(first), "visitor")

    with app.app_context():
        with interleaved(app, before="INSERT INTO event_seat", then=visitor_cancels_first):
            hosting.promote(_event_of(first))
        session.commit()

    states = within(lambda: {uid: _registration(uid).state for uid in (first, second)})
    assert states == {first: R.CANCELLED, second: R.REGISTERED}  # the cancellation promoted the next
    assert within(_seat_holders, first) == [second]


def test_the_closing_clock_leaves_a_registration_cancelled_meanwhile(app, within, register):
    uid = register(R.REGISTERED)
    after_the_event = within(lambda: _event_of(uid).ends_at) + timedelta(minutes=1)

    def visitor_cancels():
        hosting.cancel(_registration(uid), "visitor")

    with app.app_context():
        with interleaved(app, before="UPDATE event_registration", then=visitor_cancels):
            closed = events_clock.close_finished(now=after_the_event)

    assert closed == 0
    registration = within(_registration, uid)
    assert registration.state is R.CANCELLED
    assert [entry["state"] for entry in registration.history] == ["cancelled"]
    assert within(lambda: session.scalars(select(Receipt.kind).where(Receipt.subject == uid)).all()) == []
    assert within(events_clock.close_finished, now=after_the_event) == 0  # the next tick finds nothing to close


def test_the_closing_clock_closes_what_nobody_changed(within, register):
    held, waiting = register(R.REGISTERED), register(R.WAITLISTED)
    after_the_event = within(lambda: _event_of(held).ends_at) + timedelta(minutes=1)
    assert within(events_clock.close_finished, now=after_the_event) == 2
    states = within(lambda: {uid: _registration(uid).state for uid in (held, waiting)})
    assert states == {held: R.ATTENDED, waiting: R.MISSED}
    kinds = within(lambda: session.scalars(select(Receipt.kind).where(Receipt.subject == held)).all())
    assert kinds == ["event_seat"]
