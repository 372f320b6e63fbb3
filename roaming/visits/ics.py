"""iCalendar (RFC 5545) for visits: the attachment of each visit e-mail and the personal feed.

Each booked day is an all-day event whose UID is stable (visit id and date), and whose SEQUENCE
is the visit's version, so calendar programs update the entry in place when the visit changes
and remove it when it is cancelled. The text is made by the icalendar library (escaping, line
folding); the events' calendar entries (roaming.events.notices) are made the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar

from roaming.db import utcnow
from roaming.visits.models import DayStatus, Visit, VisitState

PRODUCT_ID = "-//Roaming federation//Visits//EN"
CLOSED_STATES = (VisitState.CANCELLED, VisitState.DECLINED, VisitState.EXPIRED)


def new_calendar(*, method: str | None = None, name: str | None = None) -> icalendar.Calendar:
    """An empty calendar of this node's: with ``method`` (an e-mail's PUBLISH or CANCEL) and
    ``name`` (X-WR-CALNAME, the name calendar programs show) when given."""
    entries = icalendar.Calendar()
    entries.add("version", "2.0")
    entries.add("prodid", PRODUCT_ID)
    entries.add("calscale", "GREGORIAN")
    if method:
        entries.add("method", method)
    if name:
        entries.add("x-wr-calname", icalendar.vText(name))  # an X- property is text only when told
    return entries


def text(entries: icalendar.Calendar) -> str:
    """The calendar as RFC 5545 text: escaped, lines folded at 75 octets, CRLF line ends."""
    return entries.to_ical().decode()


def calendar(visits: list[Visit], *, method: str | None = None, name: str | None = None) -> str:
    entries = new_calendar(method=method, name=name)
    stamp = utcnow()
    for visit in visits:
        for entry in _events(visit, stamp):
            entries.add_component(entry)
    return text(entries)


def method_for(visit: Visit) -> str:
    return "CANCEL" if visit.state in CLOSED_STATES else "PUBLISH"


def _add_day_end(entry: icalendar.Event, day: date) -> None:
    """The end of the all-day entry of ``day``: the next day, or at the calendar's last day (which
    has no next) a duration of one day, which means the same (RFC 5545 3.6.1)."""
    if day == date.max:
        entry.add("duration", timedelta(days=1))
    else:
        entry.add("dtend", day + timedelta(days=1))


def _events(visit: Visit, stamp: datetime) -> list[icalendar.Event]:
    resource = visit.resource
    location = resource.get("location", {})
    desk = resource.get("desk", {}).get("name", "a desk")
    where = ", ".join(
        part for part in (location.get("address"), location.get("postal_code"), location.get("city")) if part
    )
    description = f"Desk: {desk}\nVisit {visit.uid}: {visit.state.value.replace('_', ' ')}"
    if resource.get("checkin_url"):
        description += f"\nCheck in: {resource['checkin_url']}"
    entries = []
    for day in visit.days:
        cancelled = visit.state in CLOSED_STATES or day.status is DayStatus.CANCELLED
        status = "CANCELLED" if cancelled else "TENTATIVE" if visit.state is VisitState.REQUESTED else "CONFIRMED"
        entry = icalendar.Event()
        entry.add("uid", f"{visit.uid}-{day.day:%Y%m%d}@roaming")
        entry.add("dtstamp", stamp)
        entry.add("sequence", visit.version)
        entry.add("dtstart", day.day)
        _add_day_end(entry, day.day)
        entry.add("summary", "Desk at " + location.get("name", "the host cluster"))
        entry.add("location", where)
        entry.add("description", description)
        entry.add("status", status)
        entry.add("transp", "TRANSPARENT")
        entries.append(entry)
    return entries
