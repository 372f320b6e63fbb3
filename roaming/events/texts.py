"""What visitors are told about their event registrations, by its state, as messages of the gettext
catalogues (roaming/translations) like every other text: each is made in the visitor's language
(``roaming.i18n.written_in``) and filled in with ``%``: %(title)s, and %(position)s on the waiting
list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

HEADLINES = {
    "registered": _l("You have a seat at %(title)s."),
    "waitlisted": _l(
        "%(title)s is full: you are number %(position)s on the waiting list. We will tell you when a seat is yours."
    ),
    "cancelled": _l("Your registration for %(title)s is cancelled."),
    "attended": _l("Thank you for coming to %(title)s."),
    "missed": _l("No seat was freed for you at %(title)s."),
}
