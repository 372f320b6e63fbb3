"""The host's rules in-process: working days, quotes and their problems, plugin refusals, the
visitor's cancellation deadline, and the clock (expiry, no-shows, completion)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from roaming.db import session
from roaming.errors import Conflict
from roaming.ledger.models import Receipt
from roaming.peers.variations import set_variation
from roaming.plugins import hookimpl, plugin_manager
from roaming.visits import calendar, clock, hosting
from roaming.visits.models import DayStatus, SeatAllocation, VisitState
from roaming.visits.quotes import make_quote
from roaming.visits.schemas import CancelSchema, WireCancelSchema
from tests.visits.conftest import MONDAY, NOW, receive

pytestmark = pytest.mark.each_database


def test_working_days_follow_opening_hours_and_closed_days(make_location, within):
    location = make_location(
        opening_hours={"mon": [["09:00", "17:00"]], "wed": [["09:00", "12:00"]]}, closed_days=["2030-01-09"]
    )
    days = within(lambda: calendar.working_days(session.merge(location), MONDAY, MONDAY + timedelta(days=13)))
    assert days == [MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=9)]


def test_a_quote_names_every_problem(app, make_desk, home_peer, within):
    desk = make_desk(seats=1)  # open on Mondays only

    def quote():
        set_variation(session.merge(home_peer[0]), {"visits_per_company_per_year": 0, "max_people": 1})
        request = {"desk": desk.uid, "first_day": date(2029, 11, 1), "last_day": date(2029, 11, 3), "people": 2}
        return make_quote(session.merge(home_peer[0]), "c-0001", request, NOW).problems

    problems = within(quote)
    assert "is in the past" in problems["first_day"][0]
    assert "0 visit(s)" in " ".join(problems["first_day"])
    assert {"The terms allow at most 1 people per visit.", "Guest desks has 1 seat(s)."} == set(problems["people"])


def test_a_plugin_can_refuse_a_visit(app, make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}))

    class NoFridays:
        @hookimpl
        def roaming_validate_visit(self, visit):
            return ["No visits on Fridays."] if any(day.day.weekday() == 4 for day in visit.days) else []

    plugin_manager_ = app.extensions["roaming.plugins"]
    plugin_manager_.register(NoFridays(), name="no-fridays")
    with pytest.raises(ValidationError) as refused:
        within(receive, home_peer, desk, last=MONDAY + timedelta(days=4))
    assert refused.value.messages == {"visit": ["No visits on Fridays."]}
    assert within(receive, home_peer, desk).state is VisitState.REQUESTED
    assert within(lambda: plugin_manager() is plugin_manager_)


def test_the_visitor_cancels_only_before_the_deadline(app, make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}))

    def book_and_cancel():
        visit = receive(home_peer, desk, last=MONDAY + timedelta(days=1))
        hosting.approve(visit)
        late = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)  # Sunday noon: Monday begins within 24 h
        with pytest.raises(ValidationError, match="Too late to cancel 2030-01-07"):
            hosting.cancel(visit, "visitor", days=[MONDAY], now=late)
        hosting.cancel(visit, "visitor", days=[MONDAY + timedelta(days=1)], now=late)
        return [day.status for day in visit.days], session.query(SeatAllocation).count()

    statuses, seats = within(book_and_cancel)
    assert statuses == [DayStatus.BOOKED, DayStatus.CANCELLED] and seats == 1


def test_the_clock_expires_releases_and_completes(app, make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}), seats=3)

    def run():
        undecided = receive(home_peer, desk)
        no_show = receive(home_peer, desk)
        hosting.approve(no_show)
        attended = receive(home_peer, desk)
        hosting.approve(attended)
        hosting.check_in(attended, "host", now=datetime(2030, 1, 7, 8, 30, tzinfo=UTC))
        assert clock.expire_due(NOW) == 0
        assert clock.expire_due(NOW + timedelta(hours=73)) == 1
        assert clock.release_no_shows(datetime(2030, 1, 7, 9, 59, tzinfo=UTC)) == 0  # 10:59 in Karlsruhe
        assert clock.release_no_shows(datetime(2030, 1, 7, 10, 0, tzinfo=UTC)) == 1  # 11:00: released
        assert clock.complete_finished(datetime(2030, 1, 8, 0, 30, tzinfo=UTC)) == 1
        return undecided.state, no_show.state, attended.state, session.query(SeatAllocation).count()

    assert within(run) == (VisitState.EXPIRED, VisitState.NO_SHOW, VisitState.COMPLETED, 1)


def _decided_at_once(app, uid, first, second):
    """Two staff read the same request, then decide one after the other: the first's decision is
    committed; returns the second's Conflict message."""
    with app.app_context():
        late = hosting.hosted_visit(uid)  # read before the other decides
        assert late.state is VisitState.REQUESTED
        with app.app_context():
            first(hosting.hosted_visit(uid))
            session.commit()  # as the first staff member's request does
        with pytest.raises(Conflict) as refused:
            second(late)
        session.rollback()
    return str(refused.value)


def test_approve_and_decline_at_once_leave_one_decision_and_the_seat(app, make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}), seats=1)
    uid = within(lambda: receive(home_peer, desk).uid)
    message = _decided_at_once(app, uid, hosting.approve, lambda visit: hosting.decline(visit, "No room."))
    assert message == "The visit was changed meanwhile (it is confirmed now); reload it and try again."

    def outcome():
        visit = hosting.hosted_visit(uid)
        kinds = [row.kind for row in session.scalars(select(Receipt).where(Receipt.subject == uid))]
        return (
            visit.state,
            visit.version,
            [entry["state"] for entry in visit.history],
            kinds,
            session.query(SeatAllocation).filter_by(visit_id=visit.id).count(),
        )

    state, version, history, receipts, seats = within(outcome)
    assert (state, version, history, receipts, seats) == (
        VisitState.CONFIRMED,
        2,
        ["requested", "confirmed"],
        ["confirmed"],
        1,
    )


def test_the_clock_leaves_a_request_that_staff_decided_meanwhile(app, make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}), seats=1)
    uid = within(lambda: receive(home_peer, desk).uid)
    after_deadline = NOW + timedelta(days=30)
    with app.app_context():
        due = hosting.hosted_visit(uid)
        assert due.state is VisitState.REQUESTED  # the clock has read it
        with app.app_context():
            hosting.decline(hosting.hosted_visit(uid), "Closed that week.")
            session.commit()  # as the staff's request does
        with pytest.raises(Conflict):
            hosting.move_to(due, VisitState.EXPIRED, "system", "late")
        session.rollback()
        assert clock.expire_due(after_deadline) == 0  # and the job itself goes on
    assert within(lambda: hosting.hosted_visit(uid).state) is VisitState.DECLINED


def test_a_cancellation_from_the_home_that_lost_to_a_decline_is_refused(make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}), seats=1)
    uid = within(lambda: receive(home_peer, desk).uid)
    within(lambda: hosting.decline(hosting.hosted_visit(uid), "No room that week."))

    def cancel_from_home():
        with pytest.raises(Conflict) as refused:
            hosting.cancel_from_home(session.merge(home_peer[0]), uid, None)
        return str(refused.value)

    assert within(cancel_from_home) == "The visit is declined; it cannot be cancelled."
    assert within(lambda: hosting.hosted_visit(uid).state) is VisitState.DECLINED


def test_a_cancellation_from_the_home_finding_the_visit_cancelled_changes_nothing(
    make_desk, make_location, home_peer, within
):
    desk = make_desk(location=make_location(opening_hours={}), seats=1)
    uid = within(lambda: receive(home_peer, desk).uid)
    within(lambda: hosting.cancel(hosting.hosted_visit(uid), "host", "Closed for a fair."))
    visit = within(lambda: hosting.cancel_from_home(session.merge(home_peer[0]), uid, None))
    assert (visit.state, visit.version) == (VisitState.CANCELLED, 2)


def test_one_poisoned_visit_does_not_stop_the_clock_for_the_others(make_desk, make_location, home_peer, within, caplog):
    desk = make_desk(location=make_location(opening_hours={}), seats=2)
    poisoned, sound = (within(lambda: hosting.approve(receive(home_peer, desk)).uid) for _ in range(2))

    def poison():
        visit = hosting.hosted_visit(poisoned)
        visit.terms = {**visit.terms, "checkin_by": "99:99"}  # no hour of any day
        session.commit()

    within(poison)
    weeks_later = NOW + timedelta(days=60)
    assert within(clock.release_no_shows, now=weeks_later) == 1  # the sound visit's day
    states = within(lambda: {uid: hosting.hosted_visit(uid).state for uid in (poisoned, sound)})
    assert states == {poisoned: VisitState.CONFIRMED, sound: VisitState.NO_SHOW}
    assert f"The clock could not change visit {poisoned}; it goes on with the others." in caplog.text


def test_a_cancellation_naming_no_day_or_another_day_changes_nothing(make_desk, make_location, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}), seats=1)
    uid = within(lambda: receive(home_peer, desk).uid)
    with pytest.raises(ValidationError):  # an empty list is not "all days"
        WireCancelSchema().load({"message_id": "m" * 16, "days": []})
    with pytest.raises(ValidationError):
        CancelSchema().load({"days": []})
    with pytest.raises(ValidationError):  # a day that is not the visit's is refused, not taken as done
        within(lambda: hosting.cancel_from_home(session.merge(home_peer[0]), uid, [date(2031, 1, 1)]))
    assert within(lambda: hosting.hosted_visit(uid).state) is VisitState.REQUESTED
