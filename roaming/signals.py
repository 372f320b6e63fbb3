"""Domain events: what happened to a visit or an event registration, announced in-process.

The visits and events packages fire these signals (blinker) and import none of their receivers:
the ledger issues and checks receipts, follow-up schedules surveys, the visits' and events' own
notices queue e-mail, their outbox copies go to the other node, and the plugin manager calls the
plugins' hooks (``roaming.hookspecs``), each by connecting a receiver in its own module.

The contract of a receiver (docs/architecture.md, "Domain events"):

- It is called inside the transaction of the change, after the change is flushed: the row holds
  its new state and version. It may read and write through ``roaming.db.session``; what it writes
  is committed with the change or rolled back with it. It never commits, rolls back, or waits on
  another node.
- Raising fails the change: nothing of it is kept. Receivers are the node's own code; plugins are
  reached through their hooks, which are called guarded (logged, their writes rolled back).
- Receivers do not depend on each other's order. Work that needs what every receiver did (the
  document copied to the other node carries the receipts the ledger signed) is deferred to the
  commit with ``roaming.db.before_commit``.
- Keyword arguments may be added; a receiver takes ``**_`` for those it does not use.
"""

from __future__ import annotations

from blinker import Namespace

_domain = Namespace()

visit_changed = _domain.signal(
    "visit-changed",
    doc="""A visit was requested, changed state, or changed its days. The sender is the ``Visit``.

    ``side``: "host" (a visit we host: the change is ours) or "home" (our member's visit: the host's
    document was applied; ``document`` is that document as loaded). ``what``: what happened,
    the new state's value ("requested", "confirmed", "declined", "expired", "cancelled",
    "checked_in", "no_show", "completed"), or "days_changed" when the state stayed but days were
    cancelled, checked in or released, or "updated" (home side) when only the history moved.
    ``old``: the state before, None for a new visit.""",
)

registration_changed = _domain.signal(
    "registration-changed",
    doc="""An event registration was made or changed. The sender is the ``Registration``.

    ``side``: "host" or "home" (as for ``visit_changed``; home side with ``document``). ``what``:
    the new state's value ("registered": seated, also when moved up from the waiting list;
    "waitlisted", "cancelled", "attended", "missed"), "waitlist_moved" when only its place in the
    waiting list changed, or "updated" (home side). ``old``: the state before, None for a new
    registration. ``at``: the time of the change when the clock made it.""",
)

receipts_for = _domain.signal(
    "receipts-for",
    doc="""A question, not an event: the sender is a visit's or registration's id (``uid``); a
    receiver returns the signed receipt tokens issued for it, which the document sent to the home
    node carries.""",
)

refused_receipts = _domain.signal(
    "refused-receipts",
    doc="""A question: the sender is the list of receipt tokens a host's update carried; a
    receiver returns the problem answer (an error body, ``roaming.errors.error_body``) naming
    those it refused, or None.""",
)


def answers(signal, sender) -> list:
    """What the receivers of a question ``signal`` returned for ``sender``, None answers left out."""
    return [answer for _receiver, answer in signal.send(sender) if answer is not None]
