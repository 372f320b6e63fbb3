"""Dates are bounded where the domain bounds them: a visit starts today or later and ends within
the horizon (``visit_horizon_days``); the member's node refuses other dates before it keeps or
sends anything, and a host refuses a request for them; an event is published only for times
within the horizon of today. Every date computed from a visit's or an event's dates stays in the
calendar, even at its last day."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from federation.signing import sign_request
from roaming.accounts.models import Role
from roaming.db import session
from roaming.events.models import Registration, RegistrationState
from roaming.events.notices import calendar_entry
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerKey, TrustSource
from roaming.visits import ics
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitRole, VisitState
from tests.support.http_peer import ScriptedPeer
from tests.visits.conftest import attested_request

pytestmark = pytest.mark.each_database

TODAY = date.today()
DESK = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"


@pytest.fixture
def host(app):
    """A partner that would accept any request (it answers with the visit's document), with its
    desk in our mirror."""
    with ScriptedPeer() as scripted:
        scripted.status = 201
        scripted.body = lambda asked: {"visit_id": asked.get("visit_id"), "accepted": "anything"}
        with app.app_context():
            peer = Peer(node_id="node-cork", name="it@cork", base_url=scripted.url, trust=TrustSource.PINNED)
            peer.keys.append(PeerKey(key_id=scripted.key_id, jwk=scripted.public_jwk()))
            session.add(peer)
            session.flush()
            mirror.apply_change(peer, {"seq": 1, "kind": "desk", "uid": DESK, "deleted": False, "item": {"id": 1}})
            session.commit()
        yield scripted


@pytest.fixture
def member(make_user, bearer):
    return bearer(make_user(role=Role.MEMBER))


def _visits(within) -> int:
    return within(lambda: session.scalar(select(func.count()).select_from(Visit)))


def _plan(first: date, last: date) -> dict:
    return {"host": "node-cork", "desk": DESK, "first_day": first.isoformat(), "last_day": last.isoformat()}


@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        (date(9999, 12, 31), date(9999, 12, 31), "last_day", "too far ahead: visits can be planned up to 730 days"),
        (TODAY + timedelta(days=700), TODAY + timedelta(days=740), "last_day", "too far ahead"),
        (TODAY - timedelta(days=3), TODAY, "first_day", "is in the past"),
    ],
    ids=["calendar-end", "beyond-two-years", "past"],
)
def test_the_members_node_refuses_dates_out_of_bounds_before_keeping_or_sending(
    within, client, host, member, first, last, field, words
):
    asked = client.post("/api/visits", json=_plan(first, last), headers=member)
    assert asked.status_code == 422
    assert words in asked.json["errors"]["json"][field][0]
    assert _visits(within) == 0 and host.received == []
    if field == "last_day":
        quoted = client.post("/api/visits/quote", json=_plan(first, last), headers=member)
        assert quoted.status_code == 422 and host.received == []


def test_the_horizon_is_a_setting(app, client, host, member):
    app.config["VISIT_HORIZON_DAYS"] = 30
    asked = client.post(
        "/api/visits", json=_plan(TODAY + timedelta(days=29), TODAY + timedelta(days=31)), headers=member
    )
    assert asked.status_code == 422 and "up to 30 days ahead" in asked.json["errors"]["json"]["last_day"][0]


def test_the_request_page_shows_the_refusal_beside_the_field(client, host, make_user, login):
    login(make_user(role=Role.MEMBER))
    page = client.get(f"/visits/new?host=node-cork&desk={DESK}")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {**_plan(date(9999, 12, 30), date(9999, 12, 31)), "csrf_token": token, "action": "send"}
    answer = client.post("/visits/new", data=form)
    assert answer.status_code == 422 and 'id="last_day-error"' in answer.text and "is too far ahead" in answer.text
    assert not any(sent.get("last_day") == "9999-12-31" for sent in host.received)  # only the calendar's weeks asked


def test_a_host_refuses_a_request_beyond_its_horizon_with_a_problem_document(client, within, home_peer, make_desk):
    peer, key = home_peer
    desk = make_desk()
    request = within(lambda: attested_request(session.merge(peer), key, desk.uid, first=date(9999, 12, 31)))
    body = json.dumps({**request, "first_day": "9999-12-31", "last_day": "9999-12-31"}).encode()
    url = "http://localhost/federation/visits"
    headers = sign_request("POST", url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)
    answer = client.post(url, data=body, headers=headers)
    assert answer.status_code == 422
    assert "too far ahead" in answer.json["errors"]["json"]["last_day"][0]
    assert _visits(within) == 0


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:00:00-05:00", (TODAY + timedelta(days=1000)).isoformat() + "T10:00:00+00:00"]
)
def test_staff_cannot_publish_an_event_beyond_the_horizon(client, make_user, make_location, bearer, when):
    location = make_location()
    event = {"title": "Far away", "starts_at": when, "ends_at": when, "location_id": location.id}
    answer = client.post("/api/events", json=event, headers=bearer(make_user(role=Role.HOST_STAFF)))
    assert answer.status_code == 422
    assert "within 730 days of today" in json.dumps(answer.json["errors"])


def test_calendar_entries_at_the_calendars_last_day_do_not_overflow(within, home_peer):
    """A host's document may hold any date: the home's calendar entry and feed still work."""
    peer, _key = home_peer
    visit = Visit(
        uid=str(uuid.uuid4()),
        role=VisitRole.HOME,
        peer=within(lambda: session.merge(peer)),
        state=VisitState.CONFIRMED,
        version=1,
        desk_uid=DESK,
        starts_on=date.max,
        ends_on=date.max,
        company_ref="c-0001",
        resource={},
        days=[VisitDay(day=date.max, status=DayStatus.BOOKED)],
    )
    (day,) = Calendar.from_ical(within(ics.calendar, [visit])).walk("VEVENT")
    assert day["DTSTART"].dt == date.max and day["DURATION"].dt == timedelta(days=1) and "DTEND" not in day

    registration = Registration(
        uid=str(uuid.uuid4()),
        state=RegistrationState.REGISTERED,
        version=1,
        event={"title": 42, "starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "not a time"},
    )
    (entry,) = Calendar.from_ical(calendar_entry(registration, "PUBLISH")).walk("VEVENT")
    assert "DTSTART" not in entry and "DTEND" not in entry and entry["SUMMARY"] == "42"


def test_searching_and_browsing_at_the_calendars_end(client, host, member, make_user, login):
    found = client.get("/api/federation/search?kind=event&date_to=9999-12-31", headers=member)
    assert found.status_code == 200
    login(make_user(role=Role.MEMBER))
    page = client.get(f"/clusters/node-cork/desks/{DESK}?from=9999-12-27")
    assert page.status_code == 200 and "Later weeks" not in page.text
