"""The host's clock: requests not decided by their deadline expire, booked days nobody checked in
for by the terms' hour are released (no-shows), and checked-in visits whose last day has passed
are completed. Each visit is changed on its own (``on_its_own``): one that someone changed
meanwhile is left to the next tick, and one that fails never stops the others.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.errors import Conflict
from roaming.visits import calendar, hosting, seats
from roaming.visits.documents import history_entry
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitRole, VisitState

S = VisitState


def expire_due(now: datetime | None = None) -> int:
    """Requests whose approval deadline passed expire; their seats are freed. Commits each visit on
    its own (the clock, item by item)."""
    now = now or utcnow()
    due = session.scalars(
        select(Visit).where(Visit.role == VisitRole.HOST, Visit.state == S.REQUESTED, Visit.deadline_at <= now)
    ).all()
    expired = 0
    for visit in due:
        with on_its_own(f"visit {visit.uid}"):
            hosting.move_to(visit, S.EXPIRED, "system", "The host did not decide before the deadline.")
            seats.release(visit)
            session.commit()
            expired += 1
    return expired


def release_no_shows(now: datetime | None = None) -> int:
    """Booked days nobody checked in for by the terms' check-in hour become no-shows, freeing the
    seats; a visit with no day checked in and none left becomes a no-show. Returns days released."""
    now = now or utcnow()
    released = 0
    soon = (now + timedelta(days=1)).date()  # every zone's today is at most this day
    booked_by_now = select(VisitDay.visit_id).where(VisitDay.status == DayStatus.BOOKED, VisitDay.day <= soon)
    visits = session.scalars(
        select(Visit).where(
            Visit.role == VisitRole.HOST,
            Visit.state.in_((S.CONFIRMED, S.CHECKED_IN)),
            Visit.id.in_(booked_by_now),
        )
    ).all()
    for visit in visits:
        with on_its_own(f"visit {visit.uid}"):
            released += _release_missed_days(visit, now)
    return released


def _release_missed_days(visit: Visit, now: datetime) -> int:
    """Commits the visit on its own (the clock, item by item)."""
    location = hosting.location_of(visit)
    checkin_by = visit.terms.get("checkin_by", "11:00")
    missed = [
        d
        for d in visit.days
        if d.status is DayStatus.BOOKED and calendar.local_moment(location, d.day, checkin_by) <= now
    ]
    if not missed:
        return 0
    for day in missed:
        day.status = DayStatus.NO_SHOW
    note = f"Not checked in by {checkin_by} on {', '.join(d.day.isoformat() for d in missed)}: desk released."
    if visit.state is S.CONFIRMED and not any(d.status is DayStatus.BOOKED for d in visit.days):
        hosting.move_to(visit, S.NO_SHOW, "system", note)
    else:
        hosting.amend(visit, history_entry(visit.state, "system", note))
    seats.release_days(visit, [day.day for day in missed])
    session.commit()
    return len(missed)


def complete_finished(now: datetime | None = None) -> int:
    """Checked-in visits whose last day has passed are completed. Commits each visit on its own (the
    clock, item by item)."""
    now = now or utcnow()
    done = 0
    for visit in session.scalars(select(Visit).where(Visit.role == VisitRole.HOST, Visit.state == S.CHECKED_IN)).all():
        with on_its_own(f"visit {visit.uid}"):
            today = calendar.local_today(hosting.location_of(visit), now)
            if all(day.day < today or day.status in (DayStatus.CANCELLED, DayStatus.NO_SHOW) for day in visit.days):
                hosting.move_to(visit, S.COMPLETED, "system", "The visit is over.")
                session.commit()
                done += 1
    return done


@contextmanager
def on_its_own(what: str):
    """For the clock: one item's change, on its own. An item someone changed while the job was at
    it is left to them (``Conflict``: rolled back; the next tick sees it as it is now); any other
    failure is rolled back and logged naming ``what``, and the job goes on with the next item: one
    bad visit or registration never stops the clock for the others."""
    try:
        yield
    except Conflict:
        session.rollback()
    except Exception:
        session.rollback()
        current_app.logger.exception("The clock could not change %s; it goes on with the others.", what)
