"""The whole visit flow across two real nodes talking signed HTTP: instant and with approval,
repeated requests, expiry, cancellation, no-shows, and the agreement's free days."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from roaming.db import session
from roaming.visits.models import Visit
from tests.support.nodes import wait_for
from tests.support.visits import (
    ALL_WEEK,
    add_desk,
    add_member,
    add_staff,
    body_text,
    home_and_host,
    mails_to,
    next_monday,
    plan,
    vary_terms,
)

pytestmark = pytest.mark.each_database

TIMEOUT = 30


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    with home_and_host(tmp_path_factory.mktemp("visits")) as (home, host):
        yield home, host


def _ask(home, headers, **fields):
    return requests.post(f"{home.url}/api/visits", json=fields, headers=headers, timeout=TIMEOUT)


def _visit(node, headers, uid):
    response = requests.get(f"{node.url}/api/visits/{uid}", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def test_instant_booking_is_confirmed_at_once_and_both_nodes_agree(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant")
    visitor, _ = add_member(home, "ana@datenwerk.example", language="de")
    staff = add_staff(host, "frontdesk@itcork.example")
    desk = add_desk(host, seats=2, name="Instant desk")
    monday = next_monday()

    quote = requests.post(
        f"{home.url}/api/visits/quote",
        json=plan(host, desk, monday, monday + timedelta(days=1)),
        headers=visitor,
        timeout=TIMEOUT,
    )
    assert quote.status_code == 200, quote.text
    assert quote.json()["free_days_left"] == 3 and quote.json()["free_days_per_visit"] == 5
    assert quote.json()["confirmation"] == "instant" and quote.json()["problems"] == {}

    asked = _ask(home, visitor, **plan(host, desk, monday, monday + timedelta(days=1), message="Meeting Cork partners"))
    assert asked.status_code == 201, asked.text
    visit = asked.json()
    assert visit["state"] == "confirmed" and [d["date"] for d in visit["days"]] == [
        monday.isoformat(),
        (monday + timedelta(days=1)).isoformat(),
    ]
    assert visit["price"]["amount"] == 0

    hosted = _visit(host, staff, visit["visit_id"])
    assert hosted["state"] == "confirmed" and hosted["history"] == visit["history"]
    assert hosted["visitor"]["email"] == "ana@datenwerk.example"
    assert hosted["visitor"]["company"]["name"] == "Datenwerk GmbH"
    assert "id" not in hosted["visitor"]["company"]  # the home's internal ids stay at home

    def mailed():
        """the visitor's confirmation e-mail is written"""
        return mails_to(home, "ana@datenwerk.example")

    mail = wait_for(mailed)[0]
    assert mail["Subject"].startswith("Ihr Arbeitsplatz bei it@cork") and mail["Content-Language"] == "de"
    assert "Ihr Besuch ist im Rahmen des Business Roaming Agreements bestätigt." in body_text(mail)
    calendar = next(part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar")
    entry = calendar.get_content()
    assert entry.count("BEGIN:VEVENT") == 2 and f"DTSTART;VALUE=DATE:{monday:%Y%m%d}" in entry
    assert "STATUS:CONFIRMED" in entry


def test_approval_flow_and_histories_match(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="approval", approval_deadline_hours=48)
    visitor, _ = add_member(home, "ben@datenwerk.example")
    staff = add_staff(host, "manager@itcork.example")
    desk = add_desk(host, seats=1, name="Approval desk")
    monday = next_monday(4)

    asked = _ask(home, visitor, **plan(host, desk, monday))
    assert asked.status_code == 201, asked.text
    uid = asked.json()["visit_id"]
    assert asked.json()["state"] == "requested" and asked.json()["deadline_at"]

    pending = requests.get(f"{host.url}/api/visits?state=requested", headers=staff, timeout=TIMEOUT).json()
    assert uid in [row["visit_id"] for row in pending]
    approved = requests.post(f"{host.url}/api/visits/{uid}/approve", headers=staff, timeout=TIMEOUT)
    assert approved.status_code == 200 and approved.json()["state"] == "confirmed"

    def confirmed_at_home():
        """the approval reaches the home node"""
        return _visit(home, visitor, uid)["state"] == "confirmed"

    wait_for(confirmed_at_home)
    assert _visit(home, visitor, uid)["history"] == _visit(host, staff, uid)["history"]
    states = [entry["state"] for entry in _visit(home, visitor, uid)["history"]]
    assert states == ["requested", "confirmed"]

    def staff_asked():
        """the host's worker sent the staff the 'please decide' mail (notifications are queued)"""
        return [mail for mail in mails_to(host, "manager@itcork.example") if "please decide" in mail["Subject"]]

    staff_mail = wait_for(staff_asked)
    assert f"/host/visits/{uid}" in body_text(staff_mail[-1])


def test_the_same_request_sent_three_times_makes_one_booking(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant")
    visitor, _ = add_member(home, "cem@datenwerk.example")
    desk = add_desk(host, seats=3, name="Retry desk")
    request = plan(host, desk, next_monday(5), visit_id=str(uuid.uuid4()))
    answers = [_ask(home, visitor, **request) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [201, 200, 200]
    assert len({answer.json()["visit_id"] for answer in answers}) == 1
    with host.app_context():
        assert len(session.scalars(select(Visit).where(Visit.uid == request["visit_id"])).all()) == 1
        assert len(session.scalars(select(Visit).where(Visit.desk_uid == desk)).all()) == 1


def test_a_passed_approval_deadline_expires_the_request_on_both_nodes(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="approval")
    visitor, _ = add_member(home, "dora@datenwerk.example")
    staff = add_staff(host, "late@itcork.example")
    desk = add_desk(host, seats=1, name="Slow desk")
    uid = _ask(home, visitor, **plan(host, desk, next_monday(6))).json()["visit_id"]
    with host.app_context():  # time passes: move the deadline into the past
        visit = session.scalar(select(Visit).where(Visit.uid == uid))
        visit.deadline_at = datetime.now(UTC) - timedelta(minutes=1)
        session.commit()

    def expired_at_home():
        """the expiry reaches the home node"""
        return _visit(home, visitor, uid)["state"] == "expired"

    wait_for(expired_at_home)
    assert _visit(host, staff, uid)["state"] == "expired"
    late = requests.post(f"{host.url}/api/visits/{uid}/approve", headers=staff, timeout=TIMEOUT)
    assert late.status_code == 409


def test_a_cancellation_frees_the_seat_for_the_next_visitor(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant")
    first, _ = add_member(home, "emil@datenwerk.example")
    second, _ = add_member(home, "fay@datenwerk.example")
    desk = add_desk(host, seats=1, name="Single desk")
    request = plan(host, desk, next_monday(7))
    uid = _ask(home, first, **request).json()["visit_id"]
    full = _ask(home, second, **request)
    assert full.status_code == 422 and "no free seat" in full.text

    cancelled = requests.post(f"{home.url}/api/visits/{uid}/cancel", json={}, headers=first, timeout=TIMEOUT)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = _ask(home, second, **request)
    assert again.status_code == 201 and again.json()["state"] == "confirmed"


def test_a_no_show_releases_the_desk(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant", checkin_by="00:00")
    visitor, _ = add_member(home, "gil@datenwerk.example")
    desk = add_desk(host, seats=1, name="Early desk", opening_hours=ALL_WEEK)
    today = datetime.now(UTC).date()
    uid = _ask(home, visitor, **plan(host, desk, today)).json()["visit_id"]

    def released():
        """the worker marks the unchecked day a no-show"""
        return _visit(home, visitor, uid)["state"] == "no_show"

    wait_for(released)
    other, _ = add_member(home, "hal@datenwerk.example")
    vary_terms(host, home, checkin_by="23:59")
    assert _ask(home, other, **plan(host, desk, today)).status_code == 201


def test_days_beyond_the_free_ones_are_priced_or_refused_as_the_terms_say(nodes):
    home, host = nodes
    visitor, _ = add_member(home, "ida@datenwerk.example")
    desk = add_desk(host, seats=1, name="Long desk")
    monday = next_monday(8)
    two_weeks = plan(host, desk, monday, monday + timedelta(days=11))  # 10 working days

    vary_terms(host, home, desk_confirmation="instant", beyond_free_days="refuse")
    refused = _ask(home, visitor, **two_weeks)
    assert refused.status_code == 422
    assert "at most 5 consecutive working days" in str(refused.json()["errors"])

    vary_terms(host, home, beyond_free_days="member_rate")
    unpriced = _ask(home, visitor, **two_weeks)
    assert unpriced.status_code == 422 and "publishes no desk rate" in unpriced.text

    with host.app_context():
        from roaming.catalogue.models import Service
        from roaming.catalogue.operations import create_item

        create_item(
            Service,
            {
                "kind": "desk",
                "name": "Day desk",
                "member_rate_amount": 1500,
                "member_rate_currency": "EUR",
                "member_rate_unit": "day",
            },
        )
    priced = _ask(home, visitor, **two_weeks)
    assert priced.status_code == 201, priced.text
    assert priced.json()["price"] == {
        "currency": "EUR",
        "amount": 5 * 1500,
        "lines": [{"label": "5 desk day(s) beyond the free ones at member rate", "amount": 7500}],
    }


def test_a_request_to_a_host_that_is_down_is_kept_and_sent_when_it_is_back(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant")
    visitor, _ = add_member(home, "max@datenwerk.example")
    desk = add_desk(host, seats=1, name="Patient desk")
    host.stop()
    try:
        asked = _ask(home, visitor, **plan(host, desk, next_monday(9)))
    finally:
        host.start()
    assert asked.status_code == 201, asked.text
    visit = asked.json()
    assert visit["state"] == "requested" and visit["sent"] is False and "ConnectionError" in visit["last_send_error"]

    def confirmed():
        """the worker sends the request again once the host is back"""
        return _visit(home, visitor, visit["visit_id"])["state"] == "confirmed"

    wait_for(confirmed, timeout=40)
    with host.app_context():
        assert [row.uid for row in session.scalars(select(Visit).where(Visit.desk_uid == desk))] == [visit["visit_id"]]


def test_a_cancellation_while_the_host_is_down_arrives_when_it_is_back(nodes):
    home, host = nodes
    vary_terms(host, home, desk_confirmation="instant")
    visitor, _ = add_member(home, "nia@datenwerk.example")
    desk = add_desk(host, seats=1, name="Quiet desk")
    uid = _ask(home, visitor, **plan(host, desk, next_monday(10))).json()["visit_id"]
    host.stop()
    try:
        queued = requests.post(f"{home.url}/api/visits/{uid}/cancel", json={}, headers=visitor, timeout=TIMEOUT)
        assert queued.status_code == 200 and queued.json()["state"] == "confirmed"  # the host decides when back
    finally:
        host.start()

    def cancelled():
        """the outbox delivers the cancellation, and the host's answer comes back"""
        return _visit(home, visitor, uid)["state"] == "cancelled"

    wait_for(cancelled, timeout=40)
    with host.app_context():
        assert session.scalar(select(Visit).where(Visit.uid == uid)).state.value == "cancelled"
