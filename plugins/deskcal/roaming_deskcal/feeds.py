"""Reading the desks' iCalendar feeds into busy days, and answering availability from them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import requests
from flask import current_app
from sqlalchemy import delete, select

from roaming.catalogue.models import Desk
from roaming.db import session, utcnow
from roaming.plugins import settings
from roaming_deskcal import NAME
from roaming_deskcal.models import BusyDay, FeedState


def busy_answer(resource, start: date, end: date) -> dict[date, int] | None:
    """No free seat on a busy day of a desk that has a feed; no opinion otherwise."""
    if not isinstance(resource, Desk) or resource.uid not in settings(NAME)["feeds"]:
        return None
    days = session.scalars(
        select(BusyDay.day).where(BusyDay.desk_uid == resource.uid, BusyDay.day >= start, BusyDay.day <= end)
    )
    return dict.fromkeys(days, 0)


def refresh_all() -> dict[str, str]:
    """Read every configured feed; returns desk uid -> what happened, in words. A feed that
    fails, however, keeps its last known days and never stops the others."""
    outcome = {}
    for desk_uid, url in settings(NAME)["feeds"].items():
        try:
            busy = busy_days(desk_uid, _fetch(url))  # read before anything is written: no lock held meanwhile
        except Exception as error:  # noqa: BLE001 - unreachable, garbled, out of range: this feed's failure only
            session.rollback()
            state = _state(desk_uid)
            state.failed_at, state.last_error = utcnow(), f"{type(error).__name__}: {error}"[:500]
            current_app.logger.warning("Desk calendar of %s could not be read: %s", desk_uid, state.last_error)
            outcome[desk_uid] = f"failed ({state.last_error}); keeping {state.busy_days} known busy day(s)"
        else:
            state = _state(desk_uid)
            session.execute(delete(BusyDay).where(BusyDay.desk_uid == desk_uid))
            session.add_all(BusyDay(desk_uid=desk_uid, day=day, summary=summary[:200]) for day, summary in busy.items())
            state.read_at, state.busy_days, state.failed_at, state.last_error = utcnow(), len(busy), None, None
            outcome[desk_uid] = f"{len(busy)} busy day(s)"
        session.commit()
    return outcome


def _state(desk_uid: str) -> FeedState:
    state = session.scalar(select(FeedState).where(FeedState.desk_uid == desk_uid)) or FeedState(desk_uid=desk_uid)
    session.add(state)
    return state


def _fetch(url: str) -> bytes:
    response = requests.get(url, timeout=settings(NAME)["timeout_seconds"])
    response.raise_for_status()
    return response.content


def busy_days(desk_uid: str, feed: bytes) -> dict[date, str]:
    """The days from today on that an event of ``feed`` touches, in the desk's time zone."""
    desk = session.scalar(select(Desk).where(Desk.uid == desk_uid))
    if desk is None:
        raise LookupError(f"no desk {desk_uid} in the catalogue")
    zone = ZoneInfo(desk.location.timezone)
    today = datetime.now(zone).date()
    until = today + timedelta(days=settings(NAME)["days_ahead"])
    calendar = icalendar.Calendar.from_ical(feed)
    busy: dict[date, str] = {}
    for event in recurring_ical_events.of(calendar).between(today, until):
        first, last = _span(event, zone)
        day = max(first, today)
        while day <= min(last, until):
            busy.setdefault(day, str(event.get("SUMMARY", "")))
            day += timedelta(days=1)
    return busy


def _span(event, zone: ZoneInfo) -> tuple[date, date]:
    start = event["DTSTART"].dt
    end = event["DTEND"].dt if "DTEND" in event else start
    if isinstance(start, datetime):
        start = start.astimezone(zone) if start.tzinfo else start.replace(tzinfo=zone)
        end = end.astimezone(zone) if end.tzinfo else end.replace(tzinfo=zone)
        return start.date(), (end - timedelta(microseconds=1)).date() if end > start else start.date()
    return start, (end - timedelta(days=1)) if end > start else start  # all-day: DTEND is exclusive
