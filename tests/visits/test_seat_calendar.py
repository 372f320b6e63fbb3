"""Picking the first and the last day of a visit on the free-seat calendar."""

from __future__ import annotations

from datetime import date

import pytest

from roaming.visits.seat_calendar import Day, pick

MON, TUE, WED = date(2031, 3, 3), date(2031, 3, 4), date(2031, 3, 5)


@pytest.mark.parametrize(
    ("first", "last", "day", "chosen"),
    [
        (None, None, TUE, (TUE, None)),  # the first pick starts the choice
        (TUE, None, WED, (TUE, WED)),  # the next one ends it
        (TUE, None, TUE, (TUE, TUE)),  # the same day again: a one-day visit
        (TUE, None, MON, (MON, None)),  # a day before the first starts again from it
        (MON, TUE, WED, (WED, None)),  # after a full choice, a pick starts a new one
    ],
)
def test_picking_a_day(first, last, day, chosen):
    assert pick(first, last, day) == chosen


def test_a_day_is_open_to_pick_when_a_seat_is_free_or_it_is_the_visitors_own():
    assert Day(MON, seats=1, past=False, mine=False).open
    assert Day(MON, seats=0, past=False, mine=True).open
    assert not Day(MON, seats=0, past=False, mine=False).open
    assert not Day(MON, seats=None, past=False, mine=False).open  # closed
    assert not Day(MON, seats=3, past=True, mine=False).open
