"""How far ahead visits (and events) may be planned: not before today, not after the horizon
(``visit_horizon_days`` from today, two years by default). Dates a person types are bounded here,
where the domain bounds them, so that every date a node computes from them (calendar entries,
feeds, reminders, the next day of the last one) stays far inside the calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from marshmallow import ValidationError

from roaming.db import utcnow

LATEST_ZONE = timedelta(hours=12)  # UTC-12: the last place on Earth where a day is still today


def earliest_today(now: datetime | None = None) -> date:
    """Today in the last place on Earth where it still is (UTC-12): what the home node counts from,
    not knowing the host's zone."""
    return ((now or utcnow()) - LATEST_ZONE).date()


def last_day(today: date) -> date:
    """The last day that may be planned when it is ``today``."""
    return today + timedelta(days=current_app.config["VISIT_HORIZON_DAYS"])


def beyond(day: date, today: date) -> str | None:
    """Why ``day`` cannot be planned from ``today`` (it lies beyond the horizon), or None."""
    limit = last_day(today)
    if day <= limit:
        return None
    days = current_app.config["VISIT_HORIZON_DAYS"]
    return f"{day.isoformat()} is too far ahead: visits can be planned up to {days} days ahead, until {limit}."


def check_planned(first: date, last: date, now: datetime | None = None, *, past_allowed: bool = False) -> None:
    """The home node's check of a visit's dates before it asks the host: the first day not before
    today anywhere on Earth (the host checks its own today; a quote, ``past_allowed``, may start
    earlier, as the host marks past days itself), the last within the horizon. Raises
    ``ValidationError`` by field (422)."""
    today = earliest_today(now)
    problems = {}
    if first < today and not past_allowed:
        problems["first_day"] = [f"{first.isoformat()} is in the past."]
    if problem := beyond(last, today):
        problems["last_day"] = [problem]
    if problems:
        raise ValidationError(problems)
