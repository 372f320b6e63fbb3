"""What people are told about event registrations: the visitor (home side) at every change, in
their language, with the calendar entry; the host's staff of each new registration."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from flask_babel import gettext
from markupsafe import escape as html_escape

from roaming import signals
from roaming.db import session
from roaming.events.models import Registration, RegistrationState
from roaming.events.texts import HEADLINES
from roaming.i18n import LANGUAGES, moment, money, written_in, zone_name
from roaming.members.models import Person
from roaming.notify import Attachment, Message, Recipient
from roaming.notify.operations import queue
from roaming.visits import ics
from roaming.visits.models import VisitRole
from roaming.visits.notices import staff_recipients


def visitor_update(registration: Registration) -> None:
    """Home side: tell the member what their registration is now, with the calendar entry."""
    person = session.get(Person, registration.person_id) if registration.person_id else None
    if person is None or registration.state is RegistrationState.REQUESTED:
        return
    language = person.language if person.language in LANGUAGES else "en"
    event = registration.event
    price = registration.price or {}
    with written_in(language):
        headline = HEADLINES[registration.state.value] % {
            "title": event.get("title", ""),
            "position": registration.waitlist_position or "",
        }
        amount = money(price["amount"], price.get("currency")) if price.get("amount") and price.get("currency") else ""
        cost = gettext("Price (member rate): %(price)s", price=amount) if amount else gettext("Free of charge.")
        when, where = gettext("When"), gettext("Where")
        starts = _local(event)
    lines = [
        headline,
        "",
        f"{when}: {starts}",
        f"{where}: {event.get('place') or event.get('online_url') or ''}",
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
    """The event as iCalendar; its UID is the registration's, SEQUENCE its version. A start or end
    that is no time with an offset (the host's document is not ours to trust) is left out."""
    event = registration.event
    status = {"registered": "CONFIRMED", "waitlisted": "TENTATIVE"}.get(registration.state.value, "CANCELLED")
    entry = icalendar.Event()
    entry.add("uid", f"{registration.uid}@roaming")
    entry.add("dtstamp", datetime.now(UTC))
    entry.add("sequence", registration.version)
    for name, key in (("dtstart", "starts_at"), ("dtend", "ends_at")):
        moment = _utc(event.get(key))
        if moment is not None:
            entry.add(name, moment)
    entry.add("summary", str(event.get("title", "Event")))
    entry.add("location", str(event.get("place") or event.get("online_url") or ""))
    entry.add("status", status)
    entries = ics.new_calendar(method=method)
    entries.add_component(entry)
    return ics.text(entries)


def _local(event: dict) -> str:
    """When the event begins, in its own time zone, named, in the language being written (as the
    host wrote it, if that cannot be told)."""
    zone = event.get("timezone") or "UTC"
    try:
        starts = datetime.fromisoformat(event["starts_at"]).astimezone(ZoneInfo(zone))
    except (KeyError, TypeError, ValueError, OverflowError, ZoneInfoNotFoundError):
        return str(event.get("starts_at", ""))
    return f"{moment(starts, zone)} ({zone_name(zone)})"


def _utc(value: object) -> datetime | None:
    """A host's time in UTC for iCalendar; None for what is no time with an offset that UTC can
    hold (the host's document is not ours to trust)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        return moment.astimezone(UTC) if moment and moment.tzinfo else None
    except (ValueError, OverflowError):
        return None


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
