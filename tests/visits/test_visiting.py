"""The home's side of a cancellation when the host cannot be reached: it waits in the outbox,
once however often the visitor presses the button, and the page says it is waiting."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from roaming.accounts.models import Role
from roaming.db import session, utcnow
from roaming.peers.models import OutboxMessage, Peer, TrustSource
from roaming.visits import visiting
from roaming.visits.models import Visit, VisitState
from tests.support.visits import home_visit_row
from tests.visits.conftest import MONDAY

pytestmark = pytest.mark.each_database


@pytest.fixture
def unreachable_visit(within):
    """``unreachable_visit(person_id)``: a confirmed visit (of that person) at a host nobody
    answers for (a closed port); returns its uid."""

    def add(person_id=None):
        host = Peer(node_id=str(uuid.uuid4()), name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        visit = home_visit_row(
            host, MONDAY, state=VisitState.CONFIRMED, version=1, sent_at=utcnow(), person_id=person_id
        )
        session.add_all([host, visit])
        session.commit()
        return visit.uid

    return lambda person_id=None: within(add, person_id)


def _cancel(uid: str) -> bool:
    visit = session.scalar(select(Visit).where(Visit.uid == uid))
    visiting.cancel(visit)
    return visiting.cancellation_waiting(visit)


def test_a_cancellation_for_an_unreachable_host_waits_once(within, unreachable_visit):
    uid = unreachable_visit()
    assert within(_cancel, uid) is True
    assert within(_cancel, uid) is True  # pressed again
    waiting = within(lambda: session.scalar(select(func.count()).select_from(OutboxMessage)))
    assert waiting == 1


def test_the_page_says_the_cancellation_waits(client, make_user, login, unreachable_visit):
    member = make_user(role=Role.MEMBER)
    uid = unreachable_visit(member.person_id)
    login(member)
    page = client.get(f"/me/visits/{uid}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(f"/me/visits/{uid}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "it@cork cannot be reached right now: your cancellation is passed on as soon as it can be." in answer.text


def test_cancelling_asks_to_confirm_first_and_a_day_not_booked_opens_no_step(
    client, make_user, login, unreachable_visit
):
    member = make_user(role=Role.MEMBER)
    uid = unreachable_visit(member.person_id)
    login(member)
    page = client.get(f"/me/visits/{uid}")
    assert 'id="confirm-cancel"' not in page.text and f"/me/visits/{uid}?cancel=all" in page.text
    asked = client.get(f"/me/visits/{uid}?cancel=all")
    assert 'id="confirm-cancel"' in asked.text and 'name="day"' not in asked.text.split('id="confirm-cancel"')[1]
    for odd in ("1999-01-01", "not-a-day", "2030-02-30"):
        assert 'id="confirm-cancel"' not in client.get(f"/me/visits/{uid}?cancel={odd}").text
