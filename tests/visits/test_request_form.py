"""The request form (/visits/new) against a scripted partner: controls built from a service's
published ``request_options``, the options sent typed to the quote and the request alike, the
host's problems beside their controls, the CSRF token never in a URL, and days picked on the
form's calendar keeping everything typed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from roaming.accounts.models import Role
from roaming.db import session, utcnow
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerKey, TrustSource
from tests.support.http_peer import ScriptedPeer
from tests.support.visits import home_visit_row

pytestmark = pytest.mark.one_database(reason="a page's form and what it sends; no query the engine could change")

DESK = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"
SERVICE = "6f1c2a8e-9d0b-4c55-8f5e-2b7d1e0c9a31"
MACHINE = "0a8f4e1c-7b3d-4e2a-9c6f-5d1b8e7a2c40"
OPTIONS = {
    "type": "object",
    "properties": {
        "equipment": {"type": "string", "enum": [MACHINE], "x-enum-labels": ["Laser cutter"]},
        "day": {"type": "string", "format": "date"},
        "start": {"type": "integer", "minimum": 9, "maximum": 17},
        "hours": {"type": "integer", "default": 1, "minimum": 1, "maximum": 4},
    },
    "required": ["equipment", "day", "start"],
    "additionalProperties": False,
}
FIRST = date.today() + timedelta(days=14 - date.today().weekday())  # a Monday in two weeks
SECOND = FIRST + timedelta(days=1)


def _quote(asked: dict) -> dict:
    """The host's answer: every day of the plan with a free seat; a start at 17 is a problem."""
    first, last = date.fromisoformat(asked["first_day"]), date.fromisoformat(asked["last_day"])
    days = [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]
    chosen = asked.get("service_options", {}).get(SERVICE, {})
    problems = {f"service_options.{SERVICE}.start": ["Too late to start."]} if chosen.get("start") == 17 else {}
    return {
        "terms": {"max_people": 3, "approval_deadline_hours": 72},
        "working_days": days,
        "free_seats": dict.fromkeys(days, 2),
        "price": {"currency": None, "amount": 0, "lines": []},
        "problems": problems,
    }


@pytest.fixture
def host(app):
    with ScriptedPeer() as scripted:
        scripted.status, scripted.body = 201, _quote
        with app.app_context():
            peer = Peer(node_id="node-cork", name="it@cork", base_url=scripted.url, trust=TrustSource.PINNED)
            peer.keys.append(PeerKey(key_id=scripted.key_id, jwk=scripted.public_jwk()))
            session.add(peer)
            session.flush()
            desk = {"id": 1, "name": "Harbour desk", "seats": 2}
            mirror.apply_change(peer, {"seq": 1, "kind": "desk", "uid": DESK, "deleted": False, "item": desk})
            service = {"id": 2, "kind": "makerspace", "name": "Makerspace", "request_options": OPTIONS}
            mirror.apply_change(peer, {"seq": 2, "kind": "service", "uid": SERVICE, "deleted": False, "item": service})
            session.commit()
        yield scripted


@pytest.fixture
def form_page(client, host, make_user, login):
    login(make_user(role=Role.MEMBER))
    page = client.get(f"/visits/new?host=node-cork&desk={DESK}&first_day={FIRST}&last_day={SECOND}")
    assert page.status_code == 200
    return page.text


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _control(page: str, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', page).group(0)


def _form(page: str, **fields) -> dict:
    base = {"host": "node-cork", "desk": DESK, "first_day": FIRST.isoformat(), "last_day": SECOND.isoformat()}
    return {**base, "csrf_token": _csrf(page), **fields}


def test_the_form_has_controls_for_the_services_options_bounded_as_published(form_page):
    options = f"service_options.{SERVICE}"
    assert f'<option value="{MACHINE}" >Laser cutter</option>' in form_page.replace('"  >', '" >')
    day = _control(form_page, f"{options}.day")
    assert 'type="date"' in day and f'min="{FIRST}"' in day and f'max="{SECOND}"' in day
    start = _control(form_page, f"{options}.start")
    assert 'type="number"' in start and 'min="9"' in start and 'max="17"' in start and " required" in start
    assert 'value="1"' in _control(form_page, f"{options}.hours")  # the published default
    people = _control(form_page, "people")
    assert 'min="1"' in people and 'max="2"' in people  # the desk's seats, fewer than the terms' 3
    assert 'maxlength="2000"' in form_page  # the message's bound reaches the browser


def test_checking_posts_and_no_form_puts_the_csrf_token_in_a_url(form_page):
    assert 'formmethod="get"' not in form_page
    assert re.search(r'<form method="post" action="/visits/new"', form_page)


def test_the_quote_and_the_request_get_the_options_typed_and_the_problems_land_beside_them(client, host, form_page):
    options = f"service_options.{SERVICE}"
    chosen = {f"{options}.equipment": MACHINE, f"{options}.day": SECOND.isoformat(), f"{options}.start": "17"}
    data = _form(form_page, services=SERVICE, message="Hello", action="check", **chosen, **{f"{options}.hours": ""})
    host.received.clear()
    answer = client.post("/visits/new", data=data)
    assert answer.status_code == 422
    asked = next(sent for sent in host.received if sent["first_day"] == FIRST.isoformat())
    assert asked["service_options"] == {SERVICE: {"equipment": MACHINE, "day": SECOND.isoformat(), "start": 17}}
    assert "message" not in asked
    assert f'id="{options}.start-error">Too late to start.' in answer.text
    assert 'aria-invalid="true"' in _control(answer.text, f"{options}.start")
    assert ">Hello</textarea>" in answer.text  # nothing typed is lost

    host.received.clear()
    sent = client.post("/visits/new", data={**data, f"{options}.start": "10", "action": "send"})
    assert sent.status_code == 302
    (request,) = [body for body in host.received if "attestation" in body or "visit_id" in body]
    assert request["service_options"] == {SERVICE: {"equipment": MACHINE, "day": SECOND.isoformat(), "start": 10}}


def test_options_of_services_not_asked_for_are_not_sent(client, host, form_page):
    data = _form(form_page, action="check", **{f"service_options.{SERVICE}.start": "10"})
    host.received.clear()
    assert client.post("/visits/new", data=data).status_code == 200
    assert all(not sent.get("service_options") for sent in host.received)


def test_picking_days_on_the_forms_calendar_keeps_what_was_typed(client, host, form_page):
    third = FIRST + timedelta(days=2)
    picked = client.post("/visits/new", data=_form(form_page, message="Keep me", pick=third.isoformat()))
    assert picked.status_code == 200
    assert f'id="first_day" name="first_day" type="date" value="{third}"' in picked.text
    assert 'id="last_day" name="last_day" type="date" value=""' in picked.text
    assert ">Keep me</textarea>" in picked.text
    last = third + timedelta(days=1)
    picking = _form(picked.text, message="Keep me", first_day=third, last_day="", pick=last)
    ended = client.post("/visits/new", data=picking)
    assert f'value="{last}"' in _control(ended.text, "last_day")
    assert 'id="quote"' in ended.text  # both days chosen: the host's terms for them


def test_a_form_without_its_csrf_token_is_refused_and_sends_nothing(client, host, form_page):
    data = {**_form(form_page, action="send"), "csrf_token": "forged"}
    host.received.clear()
    answer = client.post("/visits/new", data=data)
    assert answer.status_code in (403, 422)
    assert all("visit_id" not in sent for sent in host.received)


def test_dates_typed_wrong_are_named_beside_their_fields(client, host, form_page):
    assert client.get(f"/visits/new?host=node-cork&desk={DESK}&first_day=tomorrow").status_code == 200
    answer = client.post("/visits/new", data=_form(form_page, first_day="31.12.", last_day="", action="check"))
    assert answer.status_code == 422
    assert 'id="first_day-error"' in answer.text and 'id="last_day-error"' in answer.text
    picked = client.post("/visits/new", data=_form(form_page, first_day="31.12.", last_day="", pick="someday"))
    assert picked.status_code == 200


def test_a_day_to_cancel_that_is_not_a_date_is_refused_and_nothing_is_sent(client, host, make_user, login, within):
    user = make_user(role=Role.MEMBER)
    login(user)

    def asked_visit() -> str:
        peer = session.scalar(select(Peer).where(Peer.node_id == "node-cork"))
        visit = home_visit_row(peer, FIRST, SECOND, person_id=user.person_id, sent_at=utcnow(), desk_uid=DESK)
        session.add(visit)
        return visit.uid

    uid = within(asked_visit)
    page = client.get(f"/me/visits/{uid}")
    host.received.clear()
    answer = client.post(f"/me/visits/{uid}/cancel", data={"csrf_token": _csrf(page.text), "day": "someday"})
    assert answer.status_code == 302
    assert "Choose a day of the visit to cancel." in client.get(f"/me/visits/{uid}").text
    assert host.received == []


def test_staff_who_see_a_members_visit_cannot_cancel_it_as_the_visitor(client, host, make_user, login, within):
    member = make_user(role=Role.MEMBER)

    def asked_visit() -> str:
        peer = session.scalar(select(Peer).where(Peer.node_id == "node-cork"))
        visit = home_visit_row(peer, FIRST, SECOND, person_id=member.person_id, sent_at=utcnow(), desk_uid=DESK)
        session.add(visit)
        return visit.uid

    uid = within(asked_visit)
    login(make_user(role=Role.HOST_STAFF))
    page = client.get(f"/me/visits/{uid}")
    assert page.status_code == 200 and f"/me/visits/{uid}/cancel" not in page.text  # no cancel buttons
    answer = client.post(f"/me/visits/{uid}/cancel", data={"csrf_token": _csrf(page.text)})
    assert answer.status_code == 404 and host.received == []


def test_a_problem_about_a_field_the_form_does_not_show_is_shown_above_it(client, host, form_page):
    host.body = lambda asked: _quote(asked) | {"problems": {f"service_options.{SERVICE}.colour": ["No such colour."]}}
    answer = client.post("/visits/new", data=_form(form_page, services=SERVICE, action="check"))
    assert answer.status_code == 422
    summary = answer.text.split('class="error-summary"')[1].split("</div>")[0]
    assert "Makerspace, colour: No such colour." in summary  # named by the service, not its uid


def test_the_apis_quote_takes_the_requests_own_fields(client, host, make_user, bearer):
    body = {
        "host": "node-cork",
        "desk": DESK,
        "first_day": FIRST.isoformat(),
        "last_day": SECOND.isoformat(),
        "message": "Typed first.",
        "visit_id": "5d0c7f2a-3b1e-4c8d-9a6f-1e2b3c4d5e6f",
    }
    host.received.clear()
    answer = client.post("/api/visits/quote", json=body, headers=bearer(make_user(role=Role.MEMBER)))
    assert answer.status_code == 200, answer.json
    (asked,) = host.received
    assert "message" not in asked and "visit_id" not in asked  # the host is asked only what a quote needs
