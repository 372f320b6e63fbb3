"""The words of visit e-mails that follow the visit's state or the e-mail's kind, as messages of the
gettext catalogues (roaming/translations) like every other text. Each is made in the recipient's
language (``roaming.i18n.written_in``) and filled in with ``%``; the rest of an e-mail's words are
in its templates (templates/mail/visit_*)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# By the visit's new state, or "changed" when only its days changed: %(host)s, %(first)s (first day).
VISITOR_SUBJECTS = {
    "requested": _l("Your visit request to %(host)s for %(first)s was sent"),
    "confirmed": _l("Your desk at %(host)s from %(first)s is confirmed"),
    "declined": _l("%(host)s declined your visit request for %(first)s"),
    "expired": _l("Your visit request to %(host)s for %(first)s expired"),
    "cancelled": _l("Your visit to %(host)s from %(first)s is cancelled"),
    "checked_in": _l("Welcome at %(host)s"),
    "no_show": _l("Your desk at %(host)s was released"),
    "completed": _l("Thank you for visiting %(host)s"),
    "changed": _l("Your visit to %(host)s from %(first)s has changed"),
}
# The first lines of the visitor's e-mail, by the same keys: %(host)s.
HEADLINES = {
    "changed": _l("Your visit has changed; the days below are how it stands now."),
    "requested": _l("%(host)s will decide on your request. You will hear from us as soon as they do."),
    "confirmed": _l("Your visit is confirmed under the Business Roaming Agreement."),
    "declined": _l("Your request was declined."),
    "expired": _l("The host did not decide in time, so the request expired. You may ask again."),
    "cancelled": _l("Your visit is cancelled."),
    "checked_in": _l("You are checked in."),
    "no_show": _l("Nobody checked in by the agreed time, so the desk was released."),
    "completed": _l("Your visit is complete."),
}
# The host's staff, by the e-mail's kind: %(name)s (the visitor), %(first)s (first day).
STAFF_SUBJECTS = {
    "visit.request": _l("Visit request from %(name)s for %(first)s: please decide"),
    "visit.booked": _l("Visit booked by %(name)s from %(first)s"),
    "visit.cancelled_by_visitor": _l("%(name)s cancelled their visit from %(first)s"),
}
