"""A stateful property test: visits on two real nodes driven by actors who act at the same
instant, with the promises checked after every step.

Hypothesis chooses the steps (``RuleBasedStateMachine``): a visitor asks for a desk through the
home node; two host staff approve and decline one request at once; the visitor cancels while staff
approve; the host's clock expires requests and releases no-shows while staff decide. Each actor
talks signed HTTP or the API to real node processes, or works on the host's database as the clock
does. After every step:

- no desk-day holds more seats than the desk has, and every visit holds exactly its people's seats
  on each booked day while it is open, and none once it is not;
- a visit has at most one decision receipt (confirmed, declined or expired) and no receipt twice;
- once both nodes are quiet (the outboxes delivered), the home's copy of every visit is in the
  host's state and version, and the home holds exactly the host's receipts (ledger = receipts).

CI runs it on SQLite and PostgreSQL with a fixed seed and a small budget; a larger one:
``ROAMING_STATEFUL_EXAMPLES=20 ROAMING_STATEFUL_STEPS=30 .venv/bin/pytest tests/visits/test_stateful.py``
(docs/reliability.md).
"""

from __future__ import annotations

import functools
import os
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import requests
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from roaming.catalogue.models import Desk
from roaming.db import session, utcnow
from roaming.ledger.models import Book, Receipt
from roaming.peers.models import OutboxMessage
from roaming.visits import clock
from roaming.visits.models import DayStatus, SeatAllocation, Visit, VisitRole, VisitState
from tests.support.nodes import wait_for
from tests.support.postgres import fresh_database
from tests.support.races import at_once
from tests.support.visits import add_desk, add_members, add_staff, home_and_host, next_monday, plan

pytestmark = pytest.mark.one_database(reason="runs each database by its parameter")

EXAMPLES = int(os.environ.get("ROAMING_STATEFUL_EXAMPLES", "2"))
STEPS = int(os.environ.get("ROAMING_STATEFUL_STEPS", "12"))
TIMEOUT = 60
OPEN = (VisitState.REQUESTED, VisitState.CONFIRMED, VisitState.CHECKED_IN)
HELD_DAYS = (DayStatus.BOOKED, DayStatus.CHECKED_IN)
DECISIONS = {"confirmed", "declined", "expired"}


@pytest.fixture(params=["sqlite", "postgresql"])
def host_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}"
        return
    with fresh_database() as url:
        yield url


class World:
    """Two nodes, two desks, visitors and two staff members, shared by all examples."""

    def __init__(self, home, host):
        self.home, self.host = home, host
        self.desks = [add_desk(host, seats=2, name="Harbour desk"), add_desk(host, seats=1, name="Quay desk")]
        self.visitors = add_members(home, 4, company="Property GmbH")
        self.staff = [add_staff(host, "ana@itcork.example"), add_staff(host, "ben@itcork.example")]
        self.first_monday = next_monday()
        self.broken: list[str] = []  # the first promise broken, as it was seen

    def noting(self, check):
        """``check`` (a rule or invariant), with a broken promise noted before it is raised: the
        nodes' state is shared by the examples, so Hypothesis's replay of a failing example sees
        another world and may report only that it behaves differently."""

        @functools.wraps(check)
        def noted(*args, **kwargs):
            try:
                return check(*args, **kwargs)
            except AssertionError as broken:
                self.broken.append(f"{check.__name__}: {broken}")
                raise

        return noted

    def post(self, node, path, headers, body=None):
        return requests.post(f"{node.url}{path}", json=body or {}, headers=headers, timeout=TIMEOUT)

    def run_clock(self, job):
        """The host's clock, in a process of its own, as if it were weeks later."""
        with self.host.app_context():
            return job(now=utcnow() + timedelta(days=60))


def machine_for(world: World):
    class VisitActors(RuleBasedStateMachine):
        visits = Bundle("visits")

        def __init__(self):
            super().__init__()
            self.owner = {}  # visit uid -> the visitor's headers

        @rule(
            target=visits,
            desk=st.integers(0, 1),
            visitor=st.integers(0, 3),
            week=st.integers(0, 1),
            length=st.integers(0, 2),
            people=st.integers(1, 2),
        )
        @world.noting
        def visitor_asks(self, desk, visitor, week, length, people):
            """A refused request (no seat left) is kept too: acting on it later must be refused (404)."""
            first = world.first_monday + timedelta(weeks=week)
            uid = str(uuid.uuid4())
            body = plan(world.host, world.desks[desk], first, first + timedelta(days=length), people=people)
            answer = world.post(world.home, "/api/visits", world.visitors[visitor], {**body, "visit_id": uid})
            assert answer.status_code in (201, 409, 422), answer.text
            self.owner[uid] = world.visitors[visitor]
            return uid

        @rule(uid=visits)
        @world.noting
        def staff_decideat_once(self, uid):
            """Both staff members press both buttons, each from two windows, at the same instant."""
            approve = [lambda s=s: world.post(world.host, f"/api/visits/{uid}/approve", s) for s in world.staff]
            decline = [
                lambda s=s: world.post(world.host, f"/api/visits/{uid}/decline", s, {"reason": "No room."})
                for s in world.staff
            ]
            answers = at_once(*approve, *decline, *approve, *decline)
            statuses = [answer.status_code for answer in answers]
            assert set(statuses) <= {200, 404, 409}, [answer.text for answer in answers]
            assert statuses.count(200) <= 1, "two decisions on one visit"

        @rule(uid=visits)
        @world.noting
        def visitor_cancels_while_staff_approve(self, uid):
            answers = at_once(
                lambda: world.post(world.home, f"/api/visits/{uid}/cancel", self.owner[uid]),
                lambda: world.post(world.host, f"/api/visits/{uid}/approve", world.staff[0]),
            )
            for answer in answers:
                assert answer.status_code in (200, 404, 409, 422), answer.text

        @rule(uid=visits)
        @world.noting
        def the_clock_runs_while_staff_decide(self, uid):
            _ticked, decision = at_once(
                lambda: (world.run_clock(clock.expire_due), world.run_clock(clock.release_no_shows)),
                lambda: world.post(world.host, f"/api/visits/{uid}/approve", world.staff[1]),
            )
            assert decision.status_code in (200, 404, 409), decision.text

        @invariant()
        @world.noting
        def seats_follow_the_visits(self):
            with world.host.app_context():
                seats = dict(session.execute(select(Desk.id, Desk.seats)).all())
                taken = session.execute(
                    select(SeatAllocation.desk_id, SeatAllocation.day, func.count()).group_by(
                        SeatAllocation.desk_id, SeatAllocation.day
                    )
                ).all()
                for desk_id, day, count in taken:
                    assert count <= seats[desk_id], f"{count} seats taken on {day} at a desk of {seats[desk_id]}"
                held = Counter(session.execute(select(SeatAllocation.visit_id, SeatAllocation.day)).all())
                for visit in session.scalars(select(Visit).where(Visit.role == VisitRole.HOST)):
                    for day in visit.days:
                        expected = visit.people if visit.state in OPEN and day.status in HELD_DAYS else 0
                        assert held[(visit.id, day.day)] == expected, (visit.uid, visit.state, day.day, day.status)

        @invariant()
        @world.noting
        def one_decision_receipt_per_visit(self):
            with world.host.app_context():
                kinds = session.execute(select(Receipt.subject, Receipt.kind).where(Receipt.book == Book.NODE)).all()
            per_visit = Counter(kinds)
            assert max(per_visit.values(), default=1) == 1, "a receipt kind twice for one visit"
            decisions = Counter(subject for subject, kind in kinds if kind in DECISIONS)
            assert max(decisions.values(), default=1) == 1, "two decision receipts for one visit"

        def teardown(self):
            _quiet_and_agreed(world)

    return VisitActors


def _view(node, role: VisitRole) -> tuple[dict, set]:
    """The visits ``node`` holds in ``role`` (state and version) and the receipts in its book."""
    with node.app_context():
        visits = session.scalars(select(Visit).where(Visit.role == role))
        held = {visit.uid: (visit.state, visit.version) for visit in visits}
        receipts = set(session.scalars(select(Receipt.receipt_id).where(Receipt.book == Book.NODE)))
    return held, receipts


def _quiet_and_agreed(world):
    def agreed():
        """the home holds every visit in the host's state and version, and the host's receipts"""
        return _view(world.host, VisitRole.HOST) == _view(world.home, VisitRole.HOME)

    try:
        wait_for(agreed, timeout=TIMEOUT)
    except AssertionError:
        (host_visits, host_receipts), (home_visits, home_receipts) = (
            _view(world.host, VisitRole.HOST),
            _view(world.home, VisitRole.HOME),
        )
        differ = {
            uid: (host_visits.get(uid), home_visits.get(uid))
            for uid in host_visits.keys() | home_visits.keys()
            if host_visits.get(uid) != home_visits.get(uid)
        }
        with world.host.app_context():
            undelivered = session.execute(
                select(OutboxMessage.path, OutboxMessage.attempts, OutboxMessage.last_error).where(
                    OutboxMessage.delivered_at.is_(None)
                )
            ).all()
        raise AssertionError(
            f"The nodes disagree once quiet: visits (host, home) {differ}; receipts only at the host "
            f"{host_receipts - home_receipts}, only at the home {home_receipts - host_receipts}; "
            f"the host's undelivered messages {undelivered}"
        ) from None


def test_visits_keep_their_promises_whatever_the_actors_doat_once(tmp_path, host_database):
    quick = {"worker_tick_seconds": 0.2}
    host_settings = {**quick, "web_processes": 2}  # two server processes decide truly at once
    with home_and_host(tmp_path, host_database=host_database, host_settings=host_settings, home_settings=quick) as (
        home,
        host,
    ):
        world = World(home, host)
        try:
            run_state_machine_as_test(
                machine_for(world),
                settings=settings(
                    max_examples=EXAMPLES,
                    stateful_step_count=STEPS,
                    derandomize=True,  # a fixed seed: CI runs the same steps every time
                    database=None,
                    deadline=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except Exception as error:
            if world.broken:
                raise AssertionError(f"A promise was broken: {world.broken[0]}") from error
            raise
        visits, receipts = _view(host, VisitRole.HOST)
        assert visits and receipts, "no visit was ever decided: the steps tried nothing"
