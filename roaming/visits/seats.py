"""Seats: a booked seat-day is a ``SeatAllocation`` row under UNIQUE(desk, day, seat).

Allocation reads the taken seats and inserts the lowest free ones with ``INSERT ... ON CONFLICT DO
NOTHING``; when a concurrent request took one of them first, the seats this visit did get for that
day are given back and the seats are read again, so concurrent requests for the last seat give
exactly one booking, with no lock held outside the database. The allocator reads the desk's seats
again after taking its own, so a booking that waited for a change of seats sees the new number.

A desk keeps the seats its visits hold: it is not deleted, nor given fewer seats, while a visit
holds a seat beyond the new number on a day not yet past (``desk_shrinking``, sent by the
catalogue with the desk's row held, so no booking slips in between the check and the change).
Seat allocations are numbered from 1; a desk of ``n`` seats keeps those numbered up to ``n``.
Desk availability for quotes and requests is counted from the allocations (``free_seats``).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, select

from roaming.catalogue.models import Desk
from roaming.catalogue.operations import desk_shrinking
from roaming.db import insert_if_absent, session, utcnow
from roaming.errors import Conflict
from roaming.visits import calendar
from roaming.visits.models import SeatAllocation, Visit

ALLOCATION_ATTEMPTS = 5

SHOWN_DAYS = 5


@desk_shrinking.connect
def keep_booked_seats(desk: Desk, seats: int) -> None:
    """Raise ``Conflict`` naming the days when visits hold seats of ``desk`` beyond ``seats``."""
    today = calendar.local_today(desk.location, utcnow())
    days = session.scalars(
        select(SeatAllocation.day)
        .where(SeatAllocation.desk_id == desk.id, SeatAllocation.day >= today, SeatAllocation.seat > seats)
        .distinct()
        .order_by(SeatAllocation.day)
    ).all()
    if not days:
        return
    shown = ", ".join(day.isoformat() for day in days[:SHOWN_DAYS]) + (" ..." if len(days) > SHOWN_DAYS else "")
    change = "be deleted" if seats == 0 else f"have {seats} seat(s)"
    raise Conflict(
        f"{desk.name} cannot {change} while visits hold {'its' if seats == 0 else 'more'} seats on {shown}; "
        "cancel those days of the visits first, on each visit's page (the Dashboard lists the visits to come)."
    )


def free_seats(resource, start: date, end: date) -> dict[date, int] | None:
    """How many seats of ``resource`` (a ``Desk``; None for anything else) the node's own seat
    allocations leave free on each day from ``start`` to ``end`` (``roaming_availability``)."""
    if not isinstance(resource, Desk):
        return None
    taken = dict(
        session.execute(
            select(SeatAllocation.day, func.count())
            .where(SeatAllocation.desk_id == resource.id, SeatAllocation.day >= start, SeatAllocation.day <= end)
            .group_by(SeatAllocation.day)
        ).all()
    )
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return {day: resource.seats - taken.get(day, 0) for day in days}


# -- allocation ------------------------------------------------------------------------------------


class NoSeat(Conflict):
    pass


def allocate(visit: Visit, desk: Desk) -> None:
    """Give ``visit`` its seats of ``desk`` on each of its days (``NoSeat`` when one is gone)."""
    for day in visit.days:
        _allocate_day(visit, desk, day.day)


def _allocate_day(visit: Visit, desk: Desk, day) -> None:
    for _attempt in range(ALLOCATION_ATTEMPTS):
        taken = set(
            session.scalars(
                select(SeatAllocation.seat).where(SeatAllocation.desk_id == desk.id, SeatAllocation.day == day)
            )
        )
        free = [seat for seat in range(1, _seats_now(desk) + 1) if seat not in taken][: visit.people]
        if len(free) < visit.people:
            break
        won = [
            seat
            for seat in free
            if insert_if_absent(SeatAllocation, desk_id=desk.id, day=day, seat=seat, visit_id=visit.id)
        ]
        if len(won) == len(free) and max(won) <= _seats_now(desk):
            return
        # another request took one of these seats meanwhile, or the desk has fewer seats now: give
        # back ours and look again
        session.execute(delete(SeatAllocation).where(SeatAllocation.visit_id == visit.id, SeatAllocation.day == day))
    session.rollback()
    raise NoSeat(f"{desk.name} has no free seat for {visit.people} on {day.isoformat()} any more.")


def _seats_now(desk: Desk) -> int:
    """The desk's seats as committed now: a change of seats that this booking waited for (the
    change holds the desk's row, see ``roaming.visits.capacity``) is seen, not the number read
    before."""
    return session.scalar(select(Desk.seats).where(Desk.id == desk.id)) or 0


def release_days(visit: Visit, days: list) -> None:
    """Give back the visit's seats on ``days`` (after the change is claimed: every change takes
    the visit's row before any seat's, so two changes at once wait for each other, not deadlock)."""
    session.execute(delete(SeatAllocation).where(SeatAllocation.visit_id == visit.id, SeatAllocation.day.in_(days)))


def release(visit: Visit) -> None:
    session.execute(delete(SeatAllocation).where(SeatAllocation.visit_id == visit.id))
