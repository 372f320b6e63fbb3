"""A host location's calendar: its working days and local times, in its own time zone.

A working day is a weekday with opening hours that is not one of the location's closed days; a
location without opening hours is open Monday to Friday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from roaming.catalogue.models import WEEKDAYS, Location

DEFAULT_WORKING_WEEKDAYS = frozenset(WEEKDAYS[:5])
MAX_SPAN_DAYS = 92  # the longest date range a visit request may span


class Place(Protocol):
    """What local times need of a place: its time zone's name (a ``Location``, or a visit's
    snapshot of one)."""

    @property
    def timezone(self) -> str: ...


def is_working_day(location: Location, day: date) -> bool:
    weekday = WEEKDAYS[day.weekday()]
    open_weekdays = {name for name, hours in location.opening_hours.items() if hours} or DEFAULT_WORKING_WEEKDAYS
    return weekday in open_weekdays and day.isoformat() not in set(location.closed_days)


def working_days(location: Location, first: date, last: date) -> list[date]:
    """The location's working days from ``first`` to ``last``, both included."""
    span = (last - first).days
    return [day for day in (first + timedelta(days=n) for n in range(span + 1)) if is_working_day(location, day)]


def zone(location: Place) -> ZoneInfo:
    return ZoneInfo(location.timezone)


def local_today(location: Place, now: datetime) -> date:
    return now.astimezone(zone(location)).date()


def local_moment(location: Place, day: date, clock: str) -> datetime:
    """``day`` at ``clock`` ("HH:MM") in the location's zone, as an aware datetime."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone(location))


def day_start(location: Place, day: date) -> datetime:
    return local_moment(location, day, "00:00")
