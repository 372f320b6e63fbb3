"""The host node killed (SIGKILL) in the middle of 100 visit requests and started again: every
request ends in the same state on both nodes, none lost, none booked twice.

Members ask through their home node's API, four at a time; the home sends each request to the
host inline and, when the host cannot be reached, again from its worker later. A request the host
saved but could not answer before it died is sent again and recognised by its visit id."""

from __future__ import annotations

import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from roaming.db import session
from roaming.visits.models import SeatAllocation, Visit, VisitRole, VisitState
from tests.support.nodes import wait_for
from tests.support.visits import add_desk, add_members, home_and_host, next_monday, plan, vary_terms

pytestmark = pytest.mark.each_database

REQUESTS = 100
KILL_AFTER = 25  # answered requests before the host dies
DOWN_SECONDS = 2


def visits(node, role: VisitRole) -> dict[str, tuple[str, int]]:
    """Each visit's state and version, by visit id."""
    with node.app_context():
        rows = session.scalars(select(Visit).where(Visit.role == role)).all()
        return {visit.uid: (visit.state.value, visit.version) for visit in rows}


def test_a_host_killed_in_the_middle_of_100_requests_loses_and_duplicates_nothing(tmp_path):
    with home_and_host(tmp_path) as (home, host):
        vary_terms(host, home, desk_confirmation="instant")
        desk = add_desk(host, seats=REQUESTS, name="Big hall")
        visitors = add_members(home, REQUESTS)
        request = plan(host, desk, next_monday())
        visit_ids = [str(uuid.uuid4()) for _ in visitors]

        def ask(n):
            body = {**request, "visit_id": visit_ids[n]}
            return requests.post(f"{home.url}/api/visits", json=body, headers=visitors[n], timeout=120)

        with ThreadPoolExecutor(4) as pool:
            answers = [pool.submit(ask, n) for n in range(REQUESTS)]
            wait_for(lambda: sum(answer.done() for answer in answers) >= KILL_AFTER, timeout=120, interval=0.01)
            host.stop(signal.SIGKILL)
            time.sleep(DOWN_SECONDS)
            host.start()
            statuses = [answer.result().status_code for answer in answers]

        assert statuses == [201] * REQUESTS  # the home took every request, sent or to be sent

        def settled():
            """every visit confirmed at the home, in the host's latest version"""
            at_home = visits(home, VisitRole.HOME)
            return all(state == VisitState.CONFIRMED.value for state, _ in at_home.values()) and at_home == visits(
                host, VisitRole.HOST
            )

        wait_for(settled, timeout=120, interval=1)
        assert set(visits(home, VisitRole.HOME)) == set(visit_ids)
        with home.app_context():
            retried = session.scalar(select(func.count()).select_from(Visit).where(Visit.send_attempts > 1))
        assert retried >= 1  # the kill did hit requests in flight
        with host.app_context():
            seats = session.execute(select(SeatAllocation.seat, SeatAllocation.visit_id)).all()
        assert len(seats) == REQUESTS and len({seat for seat, _ in seats}) == REQUESTS
        assert len({visit for _, visit in seats}) == REQUESTS
