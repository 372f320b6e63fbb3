"""Words the pages show for the system's codes, translated (item kinds, states, service kinds)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ITEM_KINDS = {
    "cluster": _l("Cluster"),
    "location": _l("Location"),
    "desk": _l("Desk"),
    "room": _l("Meeting room"),
    "service": _l("Service"),
    "event": _l("Event"),
    "news": _l("News"),
}
SERVICE_KINDS = {
    "desk": _l("A desk in a shared office"),
    "meeting_room": _l("A meeting or conference room"),
    "internet": _l("Internet access"),
    "introductions": _l("Introductions to the cluster management and members"),
    "matchmaking": _l("Matchmaking with local companies"),
    "market_briefing": _l("A briefing on the local market"),
}
VISIT_STATES = {
    "requested": _l("Requested"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
    "checked_in": _l("Checked in"),
    "no_show": _l("No-show"),
    "completed": _l("Completed"),
}
DAY_STATUSES = {
    "booked": _l("booked"),
    "cancelled": _l("cancelled"),
    "checked_in": _l("checked in"),
    "no_show": _l("no-show"),
}
REGISTRATION_STATES = {
    "requested": _l("Requested"),
    "registered": _l("Registered"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
    "attended": _l("Attended"),
    "missed": _l("Missed"),
}
STATE_TONES = {
    "confirmed": "ok",
    "registered": "ok",
    "checked_in": "ok",
    "completed": "ok",
    "attended": "ok",
    "requested": "warn",
    "waitlisted": "warn",
    "declined": "bad",
    "expired": "bad",
    "cancelled": "bad",
    "no_show": "bad",
    "missed": "bad",
}


def label(table: dict, code) -> str:
    """The translated word for ``code`` (an enum or its value), or the code itself."""
    value = getattr(code, "value", code)
    return str(table.get(value, value))


def page_globals() -> dict:
    return {
        "ITEM_KINDS": ITEM_KINDS,
        "SERVICE_KINDS": SERVICE_KINDS,
        "VISIT_STATES": VISIT_STATES,
        "DAY_STATUSES": DAY_STATUSES,
        "REGISTRATION_STATES": REGISTRATION_STATES,
        "STATE_TONES": STATE_TONES,
        "label": label,
    }
