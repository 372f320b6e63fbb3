"""Which desks are free on a visitor's dates, as each host counts them.

A host publishes no calendar in its catalogue: it answers a quote for a desk and dates with the
desk's working days and its free seats on each (the answer the desk page's calendar shows). The
date filter asks each desk's host for that quote, for at most ``MAX_DESKS_ASKED`` desks (the
first of the search's order), and orders them by what fits: free on every working day, then free
on some (most days first), then full, then those whose host did not say. A host that cannot be
reached is not asked again for its other desks in the same search, nor at all while deliveries to
it are paused after failing (its breaker is open, ``roaming.peers.delivery``). Hosts are asked
one after another until ``ASKING_BUDGET_SECONDS`` have passed; the desks left then are shown as
not asked, so slow hosts hold the page for the budget and one more answer at most.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError

from roaming.accounts.models import User
from roaming.db import utcnow
from roaming.errors import DomainError
from roaming.peers.models import MirroredItem, Peer
from roaming.search import operations as ops
from roaming.visits import visiting
from roaming.visits.quotes import flat_messages

MAX_DESKS_ASKED = 20
ASKING_BUDGET_SECONDS = 10.0


class Fit(enum.StrEnum):
    FREE = "free"  # a seat for everyone on every working day
    PARTLY = "partly"  # on some of the working days
    FULL = "full"  # on none of them
    UNKNOWN = "unknown"  # the host did not say (unreachable, refused, no working day, not asked)


RANK = {Fit.FREE: 0, Fit.PARTLY: 1, Fit.FULL: 2, Fit.UNKNOWN: 3}


@dataclass(frozen=True)
class Availability:
    fit: Fit
    free_days: int = 0  # working days with a seat for everyone
    working_days: int = 0
    reason: str | None = None  # why the fit is unknown, in the host's or this node's words


@dataclass(frozen=True)
class CheckedDesk:
    item: MirroredItem
    availability: Availability


@dataclass(frozen=True)
class CheckedResults:
    desks: list[CheckedDesk]
    complete: bool  # False: more desks matched than were asked about


def availability_of(quote: dict, people: int) -> Availability:
    """What a host's quote says about the dates: ``working_days`` and ``free_seats`` per day.
    Without a working day the host's problems are the reason (closed, beyond its horizon...)."""
    days = quote.get("working_days") or []
    if not days:
        reason = " ".join(message for _field, message in flat_messages(quote.get("problems") or {}))
        return Availability(Fit.UNKNOWN, reason=reason or None)
    seats = quote.get("free_seats") or {}
    free = sum(1 for day in days if (seats.get(day) or 0) >= people)
    fit = Fit.FREE if free == len(days) else Fit.PARTLY if free else Fit.FULL
    return Availability(fit, free, len(days))


def ordered(desks: list[CheckedDesk]) -> list[CheckedDesk]:
    """Best fit first: free, then partly free with the most free days, then full, then unknown;
    the search's own order within each."""
    return sorted(desks, key=lambda desk: (RANK[desk.availability.fit], -desk.availability.free_days))


def free_desks(user: User, filters: dict) -> CheckedResults:
    """The desks matching ``filters`` (with ``first_day``, ``last_day`` and ``people``), each with
    its host's answer for those dates, best fit first."""
    found = ops.search({**filters, "kind": "desk"}, limit=MAX_DESKS_ASKED)
    complete = found.exact and found.total <= MAX_DESKS_ASKED
    try:
        visiting.visiting_person(user)
    except DomainError as refused:  # only a member company's person may ask hosts
        unknown = Availability(Fit.UNKNOWN, reason=refused.message)
        return CheckedResults([CheckedDesk(item, unknown) for item in found.items], complete)
    unreachable: dict[int, Availability] = {}  # by peer id: what asking it answered
    checked = []
    now, deadline = utcnow(), time.monotonic() + ASKING_BUDGET_SECONDS
    for item in found.items:
        answer = unreachable.get(item.peer_id)
        if answer is None and time.monotonic() > deadline:
            answer = Availability(Fit.UNKNOWN, reason=_("Not asked: the hosts took too long; narrow the search."))
        if answer is None and item.peer.breaker_open_until and item.peer.breaker_open_until > now:
            answer = unreachable[item.peer_id] = Availability(Fit.UNKNOWN, reason=_away(item.peer))
        if answer is None:
            answer, reached = _ask(user, item, filters["first_day"], filters["last_day"], filters["people"])
            if not reached:
                unreachable[item.peer_id] = answer
        checked.append(CheckedDesk(item, answer))
    return CheckedResults(ordered(checked), complete)


def _away(peer: Peer) -> str:
    return _("%(host)s cannot be reached right now; please try again later.", host=peer.name)


def _ask(user: User, item: MirroredItem, first: date, last: date, people: int) -> tuple[Availability, bool]:
    """The host's answer for the desk, and whether the host could be reached."""
    planned = {"host": item.peer.node_id, "desk": item.uid, "first_day": first, "last_day": last, "people": people}
    try:
        quote = visiting.ask_quote(user, planned | {"services": []})
    except visiting.HostRefused as refused:
        return Availability(Fit.UNKNOWN, reason=refused.message), True
    except DomainError as failed:  # the host cannot be reached, or answered with no quote
        return Availability(Fit.UNKNOWN, reason=failed.message), False
    except ValidationError as invalid:  # beyond this node's horizon (the filter bounds it first)
        reason = " ".join(message for _field, message in flat_messages(invalid.messages))
        return Availability(Fit.UNKNOWN, reason=reason), True
    return availability_of(quote, people), True
