"""Personal calendar feeds: a secret address per person listing all their visits (webcal)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from roaming.db import insert_if_absent, session
from roaming.errors import NotFound
from roaming.members.models import Person
from roaming.visits import ics
from roaming.visits.models import CalendarFeed, Visit, VisitRole


def feed_for(person: Person) -> CalendarFeed:
    """The person's calendar feed, made on first use: two first uses at once make one feed (the
    second's insert finds the first's and does nothing)."""
    mine = select(CalendarFeed).where(CalendarFeed.person_id == person.id)
    feed = session.scalar(mine)
    if feed is None:
        insert_if_absent(CalendarFeed, person_id=person.id, token=secrets.token_urlsafe(32))
        feed = session.scalars(mine).one()
    return feed


def renew_feed(person: Person) -> CalendarFeed:
    feed = feed_for(person)
    feed.token = secrets.token_urlsafe(32)
    session.flush()
    return feed


def feed_calendar(token: str) -> str:
    """The feed's iCalendar text; NotFound for an unknown (or replaced) token."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None:
        raise NotFound("No such calendar feed.")
    visits = session.scalars(
        select(Visit).where(Visit.role == VisitRole.HOME, Visit.person_id == feed.person_id).order_by(Visit.starts_on)
    ).all()
    person = session.get(Person, feed.person_id)
    return ics.calendar(list(visits), name=f"Roaming visits of {person.name}")
