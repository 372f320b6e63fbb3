"""What people are told about event registrations: the visitor (home side) at every change, in
their language, with the calendar entry; the host's staff of each new registration."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import escape as html_escape

from roaming import signals
from roaming.db import session
from roaming.events.models import Registration, RegistrationState
from roaming.events.texts import HEADLINES
from roaming.members.models import Person
from roaming.notify import Attachment, Message, Recipient
from roaming.notify.operations import queue
from roaming.visits.ics import PRODUCT_ID, escape, fold
from roaming.visits.models import VisitRole
from roaming.visits.notices import staff_recipients


def visitor_update(registration: Registration) -> None:
    """Home side: tell the member what their registration is now, with the calendar entry."""
    person = session.get(Person, registration.person_id) if registration.person_id else None
    if person is None or registration.state is RegistrationState.REQUESTED:
        return
    language = person.language if person.language in HEADLINES else "en"
    words, event = HEADLINES[language], registration.event
    headline = words[registration.state.value].format(
        title=event.get("title", ""), position=registration.waitlist_position or ""
    )
    price = registration.price or {}
    cost = (
        words["price"].format(price=f"{price['amount'] / 100:.2f} {price.get('currency') or ''}".strip())
        if price.get("amount")
        else words["free"]
    )
    lines = [
        headline,
        "",
        f"{words['when']}: {_local(event)}",
        f"{words['where']}: {event.get('place') or event.get('online_url') or ''}",
        cost,
        "",
        f"{registration.peer.name} · {registration.uid}",
    ]
    text = "\n".join(lines)
    html = "".join(f"<p>{_html(line)}</p>" for line in lines if line)
    method = "CANCEL" if registration.state in (RegistrationState.CANCELLED, RegistrationState.MISSED) else "PUBLISH"
    queue(
        Recipient(person.email, person.name, language),
        Message(
            kind=f"event.{registration.state.value}",
            subject=headline.split(". ")[0].rstrip("."),  # the first sentence (titles may hold colons)
            text=text,
            html=html,
            attachments=(
                Attachment(
                    "event.ics", f"text/calendar; method={method}; charset=utf-8", calendar_entry(registration, method)
                ),
            ),
        ),
    )


def staff_registration(registration: Registration) -> None:
    """Host side: tell staff who registered (or joined the waiting list) for which event."""
    visitor, event = registration.visitor, registration.event
    company = visitor.get("company", {})
    line = (
        f"{visitor.get('name')} ({company.get('name')}, {registration.peer.name}) is {registration.state.value} "
        f"for {event.get('title')} on {event.get('starts_at', '')[:10]}."
    )
    for recipient in staff_recipients():
        queue(
            recipient, Message(kind="event.registration", subject=line[:200], text=line, html=f"<p>{_html(line)}</p>")
        )


def calendar_entry(registration: Registration, method: str) -> str:
    """The event as iCalendar; its UID is the registration's, SEQUENCE its version."""
    event = registration.event
    status = {"registered": "CONFIRMED", "waitlisted": "TENTATIVE"}.get(registration.state.value, "CANCELLED")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{registration.uid}@roaming",
        f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"SEQUENCE:{registration.version}",
        f"DTSTART:{_ics_time(event.get('starts_at'))}",
        f"DTEND:{_ics_time(event.get('ends_at'))}",
        f"SUMMARY:{escape(str(event.get('title', 'Event')))}",
        f"LOCATION:{escape(str(event.get('place') or event.get('online_url') or ''))}",
        f"STATUS:{status}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def _local(event: dict) -> str:
    """When the event begins, in its own time zone (as the host wrote it, if that cannot be told)."""
    zone = event.get("timezone") or "UTC"
    try:
        starts = datetime.fromisoformat(event["starts_at"]).astimezone(ZoneInfo(zone))
    except (KeyError, TypeError, ValueError, OverflowError, ZoneInfoNotFoundError):
        return str(event.get("starts_at", ""))
    return f"{starts:%Y-%m-%d %H:%M} ({zone})"


def _ics_time(value: object) -> str:
    """A host's time in UTC for iCalendar; empty for what is no time with an offset that UTC can
    hold (the host's document is not ours to trust)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}" if moment and moment.tzinfo else ""
    except (ValueError, OverflowError):
        return ""


def _html(line: str) -> str:
    return str(html_escape(line))


@signals.registration_changed.connect
def on_registration(registration: Registration, *, side: str, what: str, old: RegistrationState | None, **_) -> None:
    """Staff hear of each new registration (host side); the member of every new state (home side)."""
    if side == VisitRole.HOST:
        if old is None:
            staff_registration(registration)
    elif old is not None and what != "updated":
        visitor_update(registration)
