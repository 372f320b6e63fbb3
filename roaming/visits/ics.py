"""iCalendar (RFC 5545) for visits: the attachment of each visit e-mail and the personal feed.

Each booked day is an all-day event whose UID is stable (visit id and date), and whose SEQUENCE
is the visit's version, so calendar programs update the entry in place when the visit changes
and remove it when it is cancelled.
"""

from __future__ import annotations

from datetime import date, timedelta

from roaming.db import utcnow
from roaming.visits.models import DayStatus, Visit, VisitState

PRODUCT_ID = "-//Roaming federation//Visits//EN"
CLOSED_STATES = (VisitState.CANCELLED, VisitState.DECLINED, VisitState.EXPIRED)


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded, parts = line.encode(), []
    while len(encoded) > 75:
        cut = 75 if not parts else 74
        while (encoded[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
    parts.append(encoded.decode())
    return "\r\n ".join(parts)


def calendar(visits: list[Visit], *, method: str | None = None, name: str | None = None) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{method}")
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    for visit in visits:
        lines.extend(_events(visit, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def method_for(visit: Visit) -> str:
    return "CANCEL" if visit.state in CLOSED_STATES else "PUBLISH"


def day_end(day: date) -> str:
    """The end of the all-day entry of ``day``: the next day, or at the calendar's last day (which
    has no next) a duration of one day, which means the same (RFC 5545 3.6.1)."""
    return "DURATION:P1D" if day == date.max else f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"


def _events(visit: Visit, stamp: str) -> list[str]:
    resource = visit.resource
    location = resource.get("location", {})
    desk = resource.get("desk", {}).get("name", "a desk")
    where = ", ".join(
        part for part in (location.get("address"), location.get("postal_code"), location.get("city")) if part
    )
    description = f"Desk: {desk}\nVisit {visit.uid}: {visit.state.value.replace('_', ' ')}"
    if resource.get("checkin_url"):
        description += f"\nCheck in: {resource['checkin_url']}"
    lines = []
    for day in visit.days:
        cancelled = visit.state in CLOSED_STATES or day.status is DayStatus.CANCELLED
        status = "CANCELLED" if cancelled else "TENTATIVE" if visit.state is VisitState.REQUESTED else "CONFIRMED"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{visit.uid}-{day.day:%Y%m%d}@roaming",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{visit.version}",
            f"DTSTART;VALUE=DATE:{day.day:%Y%m%d}",
            day_end(day.day),
            f"SUMMARY:{escape('Desk at ' + location.get('name', 'the host cluster'))}",
            f"LOCATION:{escape(where)}",
            f"DESCRIPTION:{escape(description)}",
            f"STATUS:{status}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    return lines
