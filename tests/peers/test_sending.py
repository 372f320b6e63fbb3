"""Sending our members' visit requests to a host that answers badly: a signed 201 that is not
this visit's document, a failure of our own while applying the answer, a host that is away. Each
is a failed try of that one request only: recorded with its error, nothing of the answer kept,
tried again later, set aside for staff when it keeps failing; no lock is held while the host is
asked, and the other requests go on."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from roaming.accounts.models import Role
from roaming.db import session, utcnow
from roaming.ledger.models import Receipt
from roaming.notify.models import Notification
from roaming.peers.models import Peer, PeerKey, TrustSource
from roaming.visits import notices, visiting
from roaming.visits.models import Visit
from tests.support.http_peer import ScriptedPeer
from tests.support.postgres import suite_backend
from tests.support.sqlite_lock import write_lock_free

pytestmark = pytest.mark.each_database

FIRST = date.today() + timedelta(days=30)


def visit_document(asked: dict) -> dict:
    """What a host answers to a visit request: the visit, confirmed."""
    return {
        "visit_id": asked["visit_id"],
        "version": 1,
        "state": "confirmed",
        "resource": {"desk": {"uid": asked["desk"], "name": "Harbour desk"}},
        "people": asked["people"],
        "services": [],
        "days": [{"date": asked["first_day"], "status": "booked"}],
        "price": {"currency": None, "amount": 0, "lines": []},
        "terms": {},
        "deadline_at": None,
        "reason": None,
        "history": [],
        "receipts": [],
    }


@pytest.fixture
def hosts(app):
    """Two hosts: ``good`` answers with the visit's document, ``bad`` as each test says."""
    with ScriptedPeer() as good, ScriptedPeer() as bad:
        good.status, good.body = 201, visit_document
        bad.status = 201
        with app.app_context():
            for name, scripted in (("Good host", good), ("Bad host", bad)):
                peer = Peer(
                    node_id=name.lower().replace(" ", "-"), name=name, base_url=scripted.url, trust=TrustSource.PINNED
                )
                peer.keys.append(PeerKey(key_id=scripted.key_id, jwk=scripted.public_jwk()))
                session.add(peer)
            session.commit()
        yield good, bad


@pytest.fixture
def member(make_user, bearer):
    return bearer(make_user(role=Role.MEMBER))


def _plan(host: str) -> dict:
    return {"host": host, "desk": str(uuid.uuid4()), "first_day": FIRST.isoformat(), "last_day": FIRST.isoformat()}


def _ask(client, member, host: str):
    return client.post("/api/visits", json={**_plan(host), "visit_id": str(uuid.uuid4())}, headers=member)


def _visit(within, uid: str) -> Visit:
    return within(lambda: session.scalar(select(Visit).where(Visit.uid == uid).options(selectinload(Visit.days))))


def _resend_due(within) -> int:
    """The worker's resend, as if every retry delay had passed."""

    def run():
        session.execute(update(Visit).where(Visit.next_send_at.is_not(None)).values(next_send_at=utcnow()))
        session.commit()
        return visiting.send_pending()

    return within(run)


def _count(within, model) -> int:
    return within(lambda: session.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize(
    "answer",
    [
        {"visit_id": "not a visit document"},
        "a string",
        lambda asked: {**visit_document(asked), "visit_id": str(uuid.uuid4())},  # another visit's document
        lambda asked: {**visit_document(asked), "days": [{"date": "9999-12-32", "status": "booked"}]},
        lambda asked: {**visit_document(asked), "days": [{"date": "2027-01-04", "status": "booked"}] * 93},
    ],
    ids=["not-a-document", "not-an-object", "another-visit", "garbled-day", "too-many-days"],
)
def test_a_signed_201_that_is_not_this_visits_document_is_a_failed_try(app, client, within, hosts, member, answer):
    _good, bad = hosts
    bad.body = answer
    asked = _ask(client, member, "bad-host")
    assert asked.status_code == 201, asked.json
    assert asked.json["sent"] is False and "Bad host" in asked.json["last_send_error"]
    visit = _visit(within, asked.json["visit_id"])
    assert (visit.state.value, visit.version, visit.sent_at, visit.send_attempts) == ("requested", 0, None, 1)
    assert visit.next_send_at > utcnow() and visit.needs_attention_at is None
    assert _count(within, Notification) == 0 and _count(within, Receipt) == 0  # nothing of the answer kept


def test_a_request_that_keeps_failing_is_set_aside_and_the_others_go_on(app, client, within, hosts, member):
    app.config["ATTENTION_AFTER_ATTEMPTS"] = 3
    good, bad = hosts
    bad.body = {"garbage": True}
    poisoned = _ask(client, member, "bad-host").json["visit_id"]
    good.status, good.body = 503, None
    waiting = _ask(client, member, "good-host").json["visit_id"]  # the good host is busy: both wait
    good.status, good.body = 201, visit_document

    assert _resend_due(within) == 2  # the poisoned one first, then the other
    assert _visit(within, waiting).state.value == "confirmed"
    assert _resend_due(within) == 1  # the poisoned one's third try: set aside now
    visit = _visit(within, poisoned)
    assert visit.send_attempts == 3 and visit.needs_attention_at is not None and visit.next_send_at is None
    assert "malformed visit document" in visit.last_send_error
    shown = client.get(f"/api/visits/{poisoned}", headers=member).json
    assert shown["sent"] is False and shown["needs_attention_at"] is not None
    assert _resend_due(within) == 0  # not tried again until staff retry it
    assert len(bad.received) == 3


def test_a_failure_of_our_own_while_applying_the_answer_keeps_nothing(app, client, within, hosts, member, monkeypatch):
    def overflow(*_args, **_kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(notices, "visitor_update", overflow)
    good, _bad = hosts
    asked = _ask(client, member, "good-host")
    assert asked.status_code == 201 and asked.json["sent"] is False
    assert asked.json["last_send_error"] == "OverflowError: date value out of range"
    visit = _visit(within, asked.json["visit_id"])
    assert (visit.state.value, visit.version, visit.days) == ("requested", 0, [])
    monkeypatch.undo()
    assert _resend_due(within) == 1
    visit = _visit(within, asked.json["visit_id"])
    assert (visit.state.value, visit.version) == ("confirmed", 1) and visit.sent_at is not None
    assert len(good.received) == 2


def test_a_host_that_is_away_is_tried_again_and_never_set_aside(app, client, within, hosts, member):
    app.config["ATTENTION_AFTER_ATTEMPTS"] = 2
    _good, bad = hosts
    bad.status = 503
    asked = _ask(client, member, "bad-host").json
    for _ in range(3):
        _resend_due(within)
    visit = _visit(within, asked["visit_id"])
    assert visit.send_attempts == 4 and visit.needs_attention_at is None and "503" in visit.last_send_error

    bad.status = 500
    _resend_due(within)
    assert _visit(within, asked["visit_id"]).needs_attention_at is not None  # a failure of its own now


@pytest.mark.skipif(suite_backend() != "sqlite", reason="SQLite's single write lock")
def test_no_write_lock_is_held_while_the_host_is_asked(app, client, within, hosts, member):
    good, _bad = hosts
    database = app.instance_path + "/roaming.db"
    free = []
    good.while_answering = lambda: free.append(write_lock_free(database))  # another process's writer
    assert _ask(client, member, "good-host").json["sent"] is True  # the visitor's own request
    good.status, good.body = 503, None
    _ask(client, member, "good-host")
    _resend_due(within)  # the worker's resend
    assert free == [True, True, True]


def test_a_quote_answered_with_something_else_is_a_clear_failure(client, hosts, member):
    _good, bad = hosts
    bad.status, bad.body = 200, ["not", "a", "quote"]
    answer = client.post("/api/visits/quote", json=_plan("bad-host"), headers=member)
    assert answer.status_code == 502 and "answered the quote with something that is not one" in answer.json["message"]
