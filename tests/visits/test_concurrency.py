"""Fifty visitors ask for the last seat at once: exactly one gets it, on SQLite and on PostgreSQL;
thirty colleagues allowed one visit a year ask at once: one visit.

The requests go through the home node, which sends them on to the host over signed HTTP, so the
host's seat allocation (UNIQUE(desk, day, seat), no application lock) meets real concurrency.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from federation.signing import sign_request
from roaming.db import session
from roaming.visits.models import SeatAllocation, Visit, VisitState
from tests.support.postgres import fresh_database
from tests.support.visits import (
    add_desk,
    add_members,
    home_and_host,
    next_monday,
    node_id_of,
    plan,
    signed_visit_request,
    vary_terms,
)

pytestmark = pytest.mark.one_database(reason="races each database by its parameter")

VISITORS = 50


@pytest.fixture(params=["sqlite", "postgresql"])
def host_database(request, tmp_path):
    """The host's database, named whatever the suite's pass: a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}"
        return
    with fresh_database() as url:
        yield url


def test_fifty_requests_for_the_last_seat_give_one_booking(tmp_path, host_database):
    with home_and_host(tmp_path, host_database=host_database) as (home, host):
        vary_terms(host, home, desk_confirmation="instant")
        desk = add_desk(host, seats=1, name="Last desk")
        visitors = add_members(home, VISITORS)
        request = plan(host, desk, next_monday())

        def ask(headers):
            return requests.post(f"{home.url}/api/visits", json=request, headers=headers, timeout=60)

        with ThreadPoolExecutor(max_workers=VISITORS) as pool:
            answers = list(pool.map(ask, visitors))

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses[201] == 1, (statuses, answers[0].text)
        assert statuses[409] + statuses[422] == VISITORS - 1, statuses
        winner = next(answer.json() for answer in answers if answer.status_code == 201)
        assert winner["state"] == "confirmed"
        for answer in answers:
            if answer.status_code != 201:
                assert "no free seat" in answer.json()["message"] or "no free seat" in str(answer.json()["errors"])

        with host.app_context():
            assert session.scalar(select(func.count()).select_from(SeatAllocation)) == 1
            booked = session.scalars(select(Visit).where(Visit.desk_uid == desk)).all()
            assert [visit.uid for visit in booked] == [winner["visit_id"]]
            assert booked[0].state is VisitState.CONFIRMED
        with home.app_context():  # the refused requests left nothing behind
            assert session.scalars(select(Visit.uid).where(Visit.desk_uid == desk)).all() == [winner["visit_id"]]


def _all_at_once(url: str, bodies: list) -> list[requests.Response]:
    """POST each signed body to ``url`` from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))

    def send(item):
        body, key = item
        headers = sign_request("POST", url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)
        barrier.wait(timeout=30)
        return requests.post(url, data=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_fifty_signed_requests_reaching_the_host_together_give_one_booking(tmp_path, host_database):
    """Straight at the host, released by a barrier, so the seat allocation itself races."""
    with home_and_host(tmp_path, host_database=host_database) as (home, host):
        vary_terms(host, home, desk_confirmation="instant")
        desk = add_desk(host, seats=1, name="Contested desk")
        host_id, home_id = node_id_of(host), node_id_of(home)
        dates = {"desk": desk, "first_day": next_monday().isoformat(), "last_day": next_monday().isoformat()}
        bodies = [signed_visit_request(home, host_id, home_id, dates, n) for n in range(VISITORS)]
        answers = _all_at_once(f"{host.url}/federation/visits", bodies)

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses[201] == 1 and statuses[409] + statuses[422] == VISITORS - 1, statuses
        with host.app_context():
            assert session.scalar(select(func.count()).select_from(SeatAllocation)) == 1
            assert session.scalar(select(func.count()).select_from(Visit)) == 1


COLLEAGUES = 30


def test_a_yearly_allowance_of_one_visit_holds_against_thirty_requests_at_once(tmp_path, host_database):
    """Thirty people of one company ask the host at the same instant, with room for all of them
    and an agreement of one visit per company per year: one visit, twenty-nine refusals."""
    with home_and_host(tmp_path, host_database=host_database) as (home, host):
        vary_terms(host, home, desk_confirmation="instant", visits_per_company_per_year=1)
        desk = add_desk(host, seats=COLLEAGUES, name="Open space")
        host_id, home_id = node_id_of(host), node_id_of(home)
        dates = {"desk": desk, "first_day": next_monday().isoformat(), "last_day": next_monday().isoformat()}
        bodies = [signed_visit_request(home, host_id, home_id, dates, n, company=7) for n in range(COLLEAGUES)]
        answers = _all_at_once(f"{host.url}/federation/visits", bodies)

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {201: 1, 422: COLLEAGUES - 1}, statuses
        refusal = next(answer.json() for answer in answers if answer.status_code == 422)
        assert "made 1 of its 1 visit(s) to this host" in str(refusal["errors"])
        with host.app_context():
            assert session.scalar(select(func.count()).select_from(Visit)) == 1
            assert session.scalar(select(func.count()).select_from(SeatAllocation)) == 1


def test_a_yearly_allowance_holds_through_the_home_node_too(tmp_path, host_database):
    """The same company's people asking through their home node's API at once."""
    with home_and_host(tmp_path, host_database=host_database) as (home, host):
        vary_terms(host, home, desk_confirmation="instant", visits_per_company_per_year=1)
        desk = add_desk(host, seats=10, name="Open space")
        colleagues = add_members(home, 10, company="Busy GmbH")
        request = plan(host, desk, next_monday())

        def ask(headers):
            return requests.post(f"{home.url}/api/visits", json=request, headers=headers, timeout=60)

        with ThreadPoolExecutor(max_workers=len(colleagues)) as pool:
            answers = list(pool.map(ask, colleagues))

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses[201] == 1 and statuses[422] == len(colleagues) - 1, statuses
        with host.app_context():
            assert session.scalar(select(func.count()).select_from(Visit)) == 1
        with home.app_context():  # the refused requests left nothing behind at the home
            assert session.scalar(select(func.count()).select_from(Visit)) == 1
