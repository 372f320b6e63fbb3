"""A member's calendar feed is made on first use, once, also when two first uses come at once."""

from __future__ import annotations

import pytest

from roaming.db import session
from roaming.members.models import Person
from roaming.visits.feeds import feed_for
from tests.support.races import interleaved

pytestmark = pytest.mark.each_database


def test_two_first_uses_of_the_feed_at_once_get_the_same_feed(app, make_person, within):
    person_id = make_person().id
    other: list[str] = []

    def first_use_elsewhere():
        other.append(feed_for(session.get(Person, person_id)).token)

    with app.app_context():
        with interleaved(app, before="INSERT INTO calendar_feed", then=first_use_elsewhere):
            token = feed_for(session.get(Person, person_id)).token
        session.commit()
    assert other == [token]  # one feed: the second use found the first's
