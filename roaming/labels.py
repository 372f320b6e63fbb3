"""Words the pages show for the system's codes, translated (item kinds, states, service kinds,
partner statuses, rate units, who wrote a visit's history and its notes)."""

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
DAY_STATES = {  # a day as shown with its visit (``Visit.day_state``)
    **DAY_STATUSES,
    "requested": _l("requested"),
    "declined": _l("declined"),
    "expired": _l("expired"),
}
REGISTRATION_STATES = {
    "requested": _l("Requested"),
    "registered": _l("Registered"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
    "attended": _l("Attended"),
    "missed": _l("Missed"),
}
PARTNER_STATUSES = {
    "active": _l("active"),
    "suspended": _l("suspended"),
    "removed": _l("removed"),
}
PARTNER_TRUST = {
    "registry": _l("key from the federation's registry"),
    "pinned": _l("key pinned by the admins"),
}
RATE_UNITS = {
    "day": _l("day"),
    "half_day": _l("half day"),
    "hour": _l("hour"),
    "session": _l("session"),
    "person": _l("person"),
}
HISTORY_BY = {
    "visitor": _l("visitor"),
    "host": _l("host"),
    "system": _l("automatically"),
}
# The notes the node writes in a visit's history (roaming.visits), which travel in its documents
# as they are; the pages show them translated (roaming.i18n.history_note).
HISTORY_NOTES = {
    "Approved by the host.": _l("Approved by the host."),
    "The host did not decide before the deadline.": _l("The host did not decide before the deadline."),
    "The visit is over.": _l("The visit is over."),
    "Cancelled.": _l("Cancelled."),
}
HISTORY_NOTE_PATTERNS = (
    (r"Checked in on (?P<days>[\d-]+)\.", _l("Checked in on %(days)s.")),
    (r"Cancelled (?P<days>[\d, -]+)\.", _l("Cancelled %(days)s.")),
    (
        r"Not checked in by (?P<time>[\d:]+) on (?P<days>[\d, -]+): desk released\.",
        _l("Not checked in by %(time)s on %(days)s: desk released."),
    ),
)
# What a visit request shares with the host, as the quote names it (roaming.visits.visiting).
SHARED_WITH_HOST = {
    "your name": _l("your name"),
    "your e-mail address": _l("your e-mail address"),
    "your preferred language": _l("your preferred language"),
    "your company's name and country": _l("your company's name and country"),
    "your home cluster": _l("your home cluster"),
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


def service_kind(kind: str, partner_label: str | None = None) -> str:
    """A service's kind in the page's language: the agreement's kinds translated, another kind
    (a partner's plugin) by the label its node gave, else its code."""
    return str(SERVICE_KINDS[kind]) if kind in SERVICE_KINDS else (partner_label or kind)


def labelled(code, table: dict) -> str:
    """``label`` as a template filter: ``codes|map("labelled", TABLE)``."""
    return label(table, code)


def page_globals() -> dict:
    return {
        "ITEM_KINDS": ITEM_KINDS,
        "SERVICE_KINDS": SERVICE_KINDS,
        "VISIT_STATES": VISIT_STATES,
        "DAY_STATUSES": DAY_STATUSES,
        "DAY_STATES": DAY_STATES,
        "REGISTRATION_STATES": REGISTRATION_STATES,
        "PARTNER_STATUSES": PARTNER_STATUSES,
        "PARTNER_TRUST": PARTNER_TRUST,
        "RATE_UNITS": RATE_UNITS,
        "HISTORY_BY": HISTORY_BY,
        "SHARED_WITH_HOST": SHARED_WITH_HOST,
        "STATE_TONES": STATE_TONES,
        "label": label,
        "service_kind": service_kind,
    }
