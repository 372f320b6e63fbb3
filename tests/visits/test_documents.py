"""The home's copy of a visit follows the host's documents forward only, also when two of them
are applied at the same instant (the outbox's update and the answer to a request, say)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.peers.models import Peer, TrustSource
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitRole, VisitState
from roaming.visits.visiting import apply_host_document
from tests.support.races import interleaved
from tests.visits.conftest import MONDAY

pytestmark = pytest.mark.each_database

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def home_visit(within):
    """A two-day visit at a partner host, held by the home at version 1; returns (host, uid)."""

    def add():
        host = Peer(node_id=str(uuid.uuid4()), name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        visit = Visit(
            uid=str(uuid.uuid4()),
            role=VisitRole.HOME,
            peer=host,
            state=VisitState.CONFIRMED,
            version=1,
            desk_uid=str(uuid.uuid4()),
            starts_on=MONDAY,
            ends_on=TUESDAY,
            people=1,
            company_ref="c-0001",
            days=[VisitDay(day=day, status=DayStatus.BOOKED) for day in (MONDAY, TUESDAY)],
        )
        session.add_all([host, visit])
        session.commit()
        return host, visit.uid

    return within(add)


def host_document(uid: str, version: int, state: VisitState, days: dict) -> dict:
    return {
        "visit_id": uid,
        "version": version,
        "state": state.value,
        "resource": {"desk": "Harbour desk"},
        "people": 1,
        "services": [],
        "days": [{"date": day.isoformat(), "status": status.value} for day, status in days.items()],
        "price": {},
        "terms": {},
        "deadline_at": None,
        "reason": None,
        "history": [{"state": state.value}],
        "receipts": [],
        "a_field_of_a_newer_host": {"ignored": True},
    }


def _held(uid: str) -> tuple:
    visit = session.scalar(select(Visit).where(Visit.uid == uid))
    return visit.version, visit.state, {day.day: day.status for day in visit.days}


def test_an_older_document_applied_while_a_newer_one_lands_changes_nothing(app, within, home_visit):
    host, uid = home_visit
    day_given_back = host_document(
        uid, 2, VisitState.CONFIRMED, {MONDAY: DayStatus.BOOKED, TUESDAY: DayStatus.CANCELLED}
    )
    checked_in = host_document(
        uid, 3, VisitState.CHECKED_IN, {MONDAY: DayStatus.CHECKED_IN, TUESDAY: DayStatus.CANCELLED}
    )

    def newer_lands():
        assert apply_host_document(session.merge(host), checked_in) is not None

    with app.app_context():
        with interleaved(app, before="UPDATE visit SET", then=newer_lands):
            assert apply_host_document(session.merge(host), day_given_back) is None

    assert within(_held, uid) == (
        3,
        VisitState.CHECKED_IN,
        {MONDAY: DayStatus.CHECKED_IN, TUESDAY: DayStatus.CANCELLED},
    )


def test_a_newer_document_applied_on_a_stale_read_keeps_each_day_once(app, within, home_visit):
    """The copy was read at version 1; meanwhile version 2 added a day; version 3 applies on top."""
    host, uid = home_visit
    wednesday = TUESDAY + timedelta(days=1)
    longer = host_document(
        uid, 2, VisitState.CONFIRMED, {day: DayStatus.BOOKED for day in (MONDAY, TUESDAY, wednesday)}
    )
    checked_in = host_document(
        uid,
        3,
        VisitState.CHECKED_IN,
        {MONDAY: DayStatus.CHECKED_IN, TUESDAY: DayStatus.BOOKED, wednesday: DayStatus.BOOKED},
    )

    def longer_lands():
        assert apply_host_document(session.merge(host), longer) is not None

    with app.app_context():
        stale = session.scalar(select(Visit).where(Visit.uid == uid))
        assert len(stale.days) == 2  # read before the other document landed
        with interleaved(app, before="UPDATE visit SET", then=longer_lands):
            assert apply_host_document(session.merge(host), checked_in, stale) is not None

    version, state, days = within(_held, uid)
    assert (version, state) == (3, VisitState.CHECKED_IN)
    assert days == {MONDAY: DayStatus.CHECKED_IN, TUESDAY: DayStatus.BOOKED, wednesday: DayStatus.BOOKED}
