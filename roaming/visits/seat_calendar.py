"""The free-seat calendar a visitor picks days on: a few weeks of a partner's desk with the seats
the host counts free on each day (from the host's quote, so its own availability decides), the
days the visitor already holds there, and the days being chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from marshmallow import ValidationError

from roaming.accounts.models import User
from roaming.errors import DomainError
from roaming.visits import horizon, visiting
from roaming.visits.models import Visit
from roaming.visits.quotes import flat_messages

WEEKS = 4


@dataclass
class Day:
    day: date
    seats: int | None  # free seats as the host counts them; None: closed
    past: bool
    mine: bool  # the visitor already asked for (or holds) this day at this desk
    chosen: bool = False  # between the first and the last day being picked

    @property
    def open(self) -> bool:
        """The day can be picked: a working day not past, with a free seat or already the visitor's."""
        return not self.past and self.seats is not None and (self.seats > 0 or self.mine)


@dataclass
class SeatCalendar:
    start: date  # a Monday
    weeks: list[list[Day]] = field(default_factory=list)
    problem: str | None = None  # why the host's count could not be had
    terms: dict = field(default_factory=dict)  # the host's terms for the visitor's company

    @property
    def earlier(self) -> date | None:
        earlier = self.start - timedelta(weeks=WEEKS)
        return earlier if self.start > monday_of(date.today()) else None

    @property
    def later(self) -> date | None:
        later = self.start + timedelta(weeks=WEEKS)
        return later if later <= last_plannable() else None


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_plannable() -> date:
    return horizon.last_day(horizon.earliest_today())


def week_start(value: str | date | None) -> date:
    """The Monday of the week asked for (an ISO date, or anything else for this week), from this
    week to the horizon's."""
    today = date.today()
    chosen = value if isinstance(value, date) else _date_or_none(value) or today
    return monday_of(min(max(chosen, monday_of(today)), last_plannable()))


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def my_days(user: User, host: str, desk_uid: str) -> set[date]:
    """The days of ``desk_uid`` at ``host`` that ``user`` asked for or holds in open visits (before
    the host answers, every day from the first to the last)."""
    days: set[date] = set()
    for visit in visiting.my_visits(user):
        if visit.peer.node_id != host or visit.desk_uid != desk_uid or not visit.state.is_open:
            continue
        days.update(_held_days(visit))
    return days


def _held_days(visit: Visit) -> list[date]:
    if visit.days:
        return [day.day for day in visit.booked_days()]
    span = (visit.ends_on - visit.starts_on).days + 1
    return [visit.starts_on + timedelta(days=offset) for offset in range(max(span, 0))]


def seat_calendar(
    user: User, host: str, desk_uid: str, start: date, first: date | None = None, last: date | None = None
) -> SeatCalendar:
    """``WEEKS`` weeks from ``start`` (a Monday) as the host counts them for one person; days from
    ``first`` to ``last`` (or only ``first``) are marked chosen. Asks the host (a quote); when it
    cannot answer, ``problem`` says why and there are no weeks."""
    seats_calendar = SeatCalendar(start=start)
    planned = {
        "host": host,
        "desk": desk_uid,
        "first_day": start,
        "last_day": min(start + timedelta(weeks=WEEKS, days=-1), last_plannable()),
        "people": 1,
        "services": [],
    }
    try:
        quote = visiting.ask_quote(user, planned)
    except DomainError as refused:
        seats_calendar.problem = refused.message
        return seats_calendar
    except ValidationError as refused:  # beyond the horizon: say why
        seats_calendar.problem = " ".join(message for _field, message in flat_messages(refused.messages))
        return seats_calendar
    seats_calendar.terms = quote.get("terms") or {}
    free, mine, today = quote.get("free_seats") or {}, my_days(user, host, desk_uid), date.today()
    for week in range(WEEKS):
        days = []
        for offset in range(7):
            day = start + timedelta(weeks=week, days=offset)
            chosen = first is not None and (day == first or (last is not None and first <= day <= last))
            days.append(Day(day, free.get(day.isoformat()), day < today, day in mine, chosen))
        seats_calendar.weeks.append(days)
    return seats_calendar


def pick(first: date | None, last: date | None, day: date) -> tuple[date, date | None]:
    """The days chosen after picking ``day``: the first pick (or one after a full choice) starts a
    new choice; the next one ends it (or starts again when it is before the first)."""
    if first is None or last is not None or day < first:
        return day, None
    return first, day
