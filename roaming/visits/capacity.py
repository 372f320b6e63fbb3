"""A desk keeps the seats its visits hold: it is not deleted, nor given fewer seats, while a
visit holds a seat beyond the new number on a day not yet past (``desk_shrinking``, sent by the
catalogue with the desk's row held, so no booking slips in between the check and the change).

Seat allocations are numbered from 1; a desk of ``n`` seats keeps those numbered up to ``n``.
The allocator reads the desk's seats again after taking its seats (``roaming.visits.hosting``),
so a booking that waited for a change of seats sees the new number.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from roaming.catalogue.models import Desk
from roaming.catalogue.operations import desk_shrinking
from roaming.db import session, utcnow
from roaming.errors import Conflict
from roaming.visits import calendar
from roaming.visits.models import SeatAllocation

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
        "cancel or move those visits first (Visits, hosted)."
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
