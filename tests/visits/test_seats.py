"""A desk keeps the seats its visits hold: staff cannot delete it or take seats away from under
a booking, also when the booking and the change happen at the same instant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming.catalogue import operations as catalogue
from roaming.catalogue.models import Desk
from roaming.db import session
from roaming.errors import Conflict
from roaming.visits import hosting
from roaming.visits.models import SeatAllocation
from roaming.visits.seats import NoSeat
from tests.support.postgres import suite_backend
from tests.support.races import interleaved
from tests.visits.conftest import MONDAY, receive

pytestmark = pytest.mark.each_database


@pytest.fixture
def desk(make_desk, make_location):
    return make_desk(location=make_location(opening_hours={}), seats=2, name="Harbour desk")


def _change(desk_id: int, **patch):
    return catalogue.update_item(session.get(Desk, desk_id), patch)


def _delete(desk_id: int):
    catalogue.delete_item(session.get(Desk, desk_id))


def test_a_desk_with_a_booked_seat_is_not_deleted(within, desk, home_peer):
    uid = within(lambda: receive(home_peer, desk).uid)
    with pytest.raises(Conflict) as refused:
        within(_delete, desk.id)
    assert str(refused.value) == (
        f"Harbour desk cannot be deleted while visits hold its seats on {MONDAY.isoformat()}; "
        "cancel those days of the visits first, on each visit's page (the Dashboard lists the visits to come)."
    )
    within(lambda: hosting.cancel(hosting.hosted_visit(uid), "host", "Moved to another desk."))
    within(_delete, desk.id)  # nothing booked any more
    assert within(lambda: session.get(Desk, desk.id)) is None


def test_seats_go_down_only_as_far_as_the_bookings_allow(within, desk, home_peer):
    within(receive, home_peer, desk)
    second = within(lambda: receive(home_peer, desk).uid)  # holds seat 2 on Monday
    with pytest.raises(Conflict, match=f"cannot have 1 seat\\(s\\) while visits hold more seats on {MONDAY}"):
        within(_change, desk.id, seats=1)
    within(lambda: hosting.cancel(hosting.hosted_visit(second), "host", "Moved."))
    assert within(_change, desk.id, seats=1).seats == 1
    assert within(_change, desk.id, seats=3).seats == 3  # more seats: nothing to check


def test_a_booking_that_waited_for_fewer_seats_does_not_take_a_seat_gone(app, within, desk, home_peer):
    """PostgreSQL lets the change and the booking run side by side; SQLite takes one writer at a
    time, and the booking reads the desk after taking the write lock, so there it cannot happen."""
    if suite_backend() == "sqlite":
        pytest.skip("SQLite: one writer at a time, the booking reads the desk under its lock")
    within(receive, home_peer, desk)  # seat 1 on Monday

    with app.app_context():
        with interleaved(app, before="INSERT INTO seat_allocation", then=lambda: _change(desk.id, seats=1)):
            with pytest.raises(NoSeat):
                receive(home_peer, desk)
        session.rollback()

    seats = within(lambda: session.scalars(select(SeatAllocation.seat).where(SeatAllocation.day == MONDAY)).all())
    assert (within(lambda: session.get(Desk, desk.id)).seats, seats) == (1, [1])
