"""Hostile partners against the ledger, on real nodes: a coordinator (CyberForum), a home
(Systematic) and a host (it@cork) whose key signs whatever the test wants it to. The host inflates
its hosting through the real signed endpoints (its own outbox, or straight at the home); the home
refuses each inflated receipt with a signed problem answer, keeps it apart and tells the
coordinator, which counts nothing of it and shows its staff both sides' figures. Reports that are
not the sender's to make are refused; a replayed report is taken once."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from federation.receipts import signed_receipt
from roaming.db import session, utcnow
from roaming.events.documents import document as registration_document
from roaming.events.models import Registration
from roaming.ledger import operations as ledger
from roaming.ledger import reporting
from roaming.ledger.models import Book
from roaming.peers.models import OutboxMessage
from roaming.visits.documents import document as visit_document
from roaming.visits.hosting import hosted_visit
from roaming.visits.models import VisitRole
from tests.support.federation import TIMEOUT, coordinated_federation, signed_post
from tests.support.nodes import wait_for
from tests.support.visits import add_desk, add_event, add_member, check_in_days, complete_due, next_monday, plan

pytestmark = pytest.mark.each_database

MONDAY = next_monday()
PERIOD = MONDAY.strftime("%Y-%m")


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    with coordinated_federation(tmp_path_factory.mktemp("hostile")) as (nodes, staff):
        karlsruhe, paris, cork = nodes["CyberForum"], nodes["Systematic"], nodes["it@cork"]
        ids = {}
        for node in nodes.values():
            ids[node.name] = requests.get(f"{node.url}/.well-known/roaming-node", timeout=TIMEOUT).json()["node_id"]
        yield {
            "coordinator": karlsruhe,
            "home": paris,
            "host": cork,
            "ids": ids,
            "staff": staff,
            "desk": add_desk(cork, seats=20, name="Harbour desk"),
            "member": add_member(paris, "anna@paris.example", company="Atelier Numérique")[0],
        }


def _get(node, headers, path):
    answer = requests.get(f"{node.url}{path}", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _confirmed_visit(f) -> str:
    """Anna asks it@cork for Monday to Wednesday; it@cork approves; Systematic has it confirmed."""
    answer = requests.post(
        f"{f['home'].url}/api/visits",
        json=plan(f["host"], f["desk"], MONDAY, MONDAY + timedelta(days=2)),
        headers=f["member"],
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201, answer.text
    uid = answer.json()["visit_id"]
    approved = requests.post(
        f"{f['host'].url}/api/visits/{uid}/approve", headers=f["staff"]["it@cork"], timeout=TIMEOUT
    )
    assert approved.status_code == 200, approved.text
    _home_sees(f, uid, "confirmed")
    return uid


def _home_sees(f, uid: str, state: str) -> None:
    def arrived():
        """the home holds the visit in the state the host gave it"""
        return _get(f["home"], f["member"], f"/api/visits/{uid}")["state"] == state

    wait_for(arrived)


def _receipt(f, kind: str, subject: str, **counts) -> str:
    """A receipt signed with it@cork's own key for Systematic."""
    claims = {"kind": kind, "subject": subject, "period": PERIOD, "desk_days": 0, "services": 0, "event_seats": 0}
    token, _ = signed_receipt(
        claims | {"response_seconds": None} | counts,
        f["host"].signing_key(),
        issuer=f["ids"]["it@cork"],
        audience=f["ids"]["Systematic"],
    )
    return token


def _host_document(f, uid: str, **changes) -> dict:
    """it@cork's document of the visit as it is, with ``changes``, as a newer version."""
    with f["host"].app_context():
        doc = json.loads(json.dumps(visit_document(hosted_visit(uid)), default=str))
    return doc | {"version": doc["version"] + 10} | changes


def _push(f, path: str, payload: dict) -> requests.Response:
    answer, _, _ = signed_post(f["host"], f"{f['home'].url}{path}", {"message_id": uuid.uuid4().hex, **payload})
    return answer


def _refused_at_home(f, uid: str) -> list[dict]:
    return _get(f["home"], f["staff"]["Systematic"], f"/api/ledger/refusals?subject={uid}")


def _received(f, uid: str) -> list[str]:
    return [r["kind"] for r in _get(f["home"], f["staff"]["Systematic"], f"/api/ledger/receipts?subject={uid}")]


def _coordinator_check(f, receipt_id: str) -> dict:
    def listed():
        """the coordinator lists the receipt as disputed"""
        checks = _get(f["coordinator"], f["staff"]["CyberForum"], "/api/coordinator/ledger/checks?status=disputed")
        return next((check for check in checks if check["receipt_id"] == receipt_id), None)

    return wait_for(listed)


def test_a_host_inflating_a_completion_through_its_own_outbox(federation):
    """it@cork's database gets a completion receipt of 10,000 desk days for a visit of one day;
    its own clock completes the visit and its outbox delivers the document carrying it."""
    f = federation
    uid = _confirmed_visit(f)
    check_in_days(f["host"], uid, [MONDAY])
    _home_sees(f, uid, "checked_in")
    inflated = _receipt(f, "completed", uid, desk_days=10_000)
    with f["host"].app_context():
        claims = {"iss": f["ids"]["it@cork"], "aud": f["ids"]["Systematic"], "jti": f"{uid}:completed"}
        claims |= {"kind": "completed", "subject": uid, "period": PERIOD, "iat": int(utcnow().timestamp())}
        claims |= {"desk_days": 10_000, "services": 0, "event_seats": 0}
        assert ledger.keep(Book.NODE, claims, inflated)
        reporting.report_issued(inflated)  # the host reports it to the coordinator, as for any receipt
        session.commit()
    assert complete_due(f["host"], MONDAY + timedelta(days=3)) == 1
    _home_sees(f, uid, "completed")  # the update itself is applied: the visitor sees the visit over

    def host_told():
        """it@cork's outbox has the home's answer refusing the receipt"""
        failed = select(OutboxMessage.last_error).where(OutboxMessage.failed_at.is_not(None))
        with f["host"].app_context():
            return session.scalars(failed.where(OutboxMessage.last_error.contains(f"{uid}:completed"))).first()

    problem = wait_for(host_told)
    assert "422" in problem and "counts desk_days 10000" in problem
    [refusal] = _refused_at_home(f, uid)
    assert refusal["expected"] == {"desk_days": 1, "services": 0, "event_seats": 0}
    assert refusal["claimed"]["desk_days"] == 10_000
    assert _received(f, uid) == ["confirmed"]
    received = [
        row
        for row in _get(f["home"], f["staff"]["Systematic"], "/api/ledger")
        if row["direction"] == "received_from" and row["partner"]["name"] == "it@cork"
    ]
    assert sum(row["desk_days"] for row in received) == 0

    check = _coordinator_check(f, f"{uid}:completed")
    assert check["host_figures"]["desk_days"] == 10_000 and check["home_figures"]["desk_days"] == 1
    assert "counts desk_days 10000" in check["reason"]
    flows = _get(f["coordinator"], f["staff"]["CyberForum"], f"/api/coordinator/ledger?period_from={PERIOD}")
    [flow] = [row for row in flows if row["host_name"] == "it@cork" and row["home_name"] == "Systematic"]
    assert flow["status"] == "disputed" and flow["desk_days"] == 0 and flow["disputed"] >= 1


ATTACKS = {
    "a second decision for a confirmed visit": ("declined", "A second decision receipt for this visit"),
    "a changed receipt sent again with its id": ("changed", "was taken before with other figures"),
    "a receipt for another visit": ("another", "not about"),
    "a completion of a visit not completed": ("early", "no completed receipt fits it"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_host_sending_inflated_receipts_straight_to_the_home(federation, attack):
    f = federation
    uid = _confirmed_visit(f)
    how, reason = ATTACKS[attack]
    if how == "declined":
        doc = _host_document(f, uid, state="declined", reason="Changed our mind.")
        doc["receipts"] += [_receipt(f, "declined", uid, response_seconds=1)]
    elif how == "changed":  # the confirmation, signed anew with desk days on it
        doc = _host_document(f, uid)
        doc["receipts"] = [_receipt(f, "confirmed", uid, response_seconds=0, desk_days=5)]
    elif how == "another":
        doc = _host_document(f, uid)
        doc["receipts"] += [_receipt(f, "completed", str(uuid.uuid4()), desk_days=3)]
    else:
        doc = _host_document(f, uid)
        doc["receipts"] += [_receipt(f, "completed", uid, desk_days=3)]
    answer = _push(f, "/federation/visits/updates", {"visit": doc})
    assert answer.status_code == 422 and "Signature" in answer.headers  # a signed problem answer
    [reasons] = answer.json()["errors"]["receipts"].values()
    assert reason in reasons[0]
    assert _received(f, uid) == ["confirmed"]
    if how != "another":
        assert reason in _refused_at_home(f, uid)[0]["reason"]


def test_a_document_that_makes_the_visit_bigger_is_refused_whole(federation):
    f = federation
    uid = _confirmed_visit(f)
    doc = _host_document(f, uid, people=5)
    answer = _push(f, "/federation/visits/updates", {"visit": doc})
    assert answer.status_code == 422 and "5 people instead of the 1 asked for" in answer.json()["message"]
    assert _get(f["home"], f["member"], f"/api/visits/{uid}")["people"] == 1


def test_a_host_claiming_an_event_seat_it_never_gave(federation):
    """Two members of Systematic register for a one-seat event: the second waits, and the host
    says it attended anyway."""
    f = federation
    event = add_event(f["host"], seats=1, title="Harbour tech breakfast")
    seated, waiting = f["member"], add_member(f["home"], "bea@paris.example", company="Atelier Numérique")[0]
    registrations = []
    for member in (seated, waiting):
        body = {"host": f["ids"]["it@cork"], "event": event}
        answer = requests.post(f"{f['home'].url}/api/registrations", json=body, headers=member, timeout=TIMEOUT)
        assert answer.status_code == 201, answer.text
        registrations.append(answer.json())
    assert [r["state"] for r in registrations] == ["registered", "waitlisted"]
    uid = registrations[1]["registration_id"]
    with f["host"].app_context():
        held = session.scalar(select(Registration).where(Registration.uid == uid, Registration.role == VisitRole.HOST))
        doc = json.loads(json.dumps(registration_document(held)))
    period = doc["event"]["starts_at"][:7]
    seat = _receipt(f, "event_seat", uid, event_seats=1, period=period)
    doc |= {"version": doc["version"] + 10, "state": "attended", "waitlist_position": None, "receipts": [seat]}
    answer = _push(f, "/federation/events/registrations/updates", {"registration": doc})
    assert answer.status_code == 422
    [[reason]] = answer.json()["errors"]["receipts"].values()
    assert reason == "The registration was waitlisted and is attended: no event_seat receipt fits it."
    assert _received(f, uid) == []


def test_reports_that_are_not_the_senders_to_make_are_refused_and_a_replay_is_taken_once(federation):
    f = federation
    uid = _confirmed_visit(f)
    url = f"{f['coordinator'].url}/federation/ledger"
    genuine = _receipt(f, "completed", uid, desk_days=1)
    expected = {"desk_days": 1, "services": 0, "event_seats": 0}

    as_issuer, _, _ = signed_post(f["home"], f"{url}/issued", {"message_id": uuid.uuid4().hex, "receipt": genuine})
    assert as_issuer.status_code == 422 and "only the cluster that signed" in as_issuer.json()["message"]
    refusal = {"receipt": genuine, "reason": "Not ours to dispute.", "expected": expected}
    as_home, _, _ = signed_post(f["host"], f"{url}/refusals", {"message_id": uuid.uuid4().hex, **refusal})
    assert as_home.status_code == 422 and "only the cluster a receipt is addressed to" in as_home.json()["message"]

    report = {"message_id": uuid.uuid4().hex, "receipt": genuine, "reason": "Inflated.", "expected": expected}
    first, body, headers = signed_post(f["home"], f"{url}/refusals", report | {"future_field": "ignored"})
    assert first.status_code == 201, first.text
    assert requests.post(f"{url}/refusals", data=body, headers=headers, timeout=TIMEOUT).status_code == 401  # replay
    again, _, _ = signed_post(f["home"], f"{url}/refusals", report)  # the same message, signed anew
    assert again.status_code == 200 and again.json()["repeated_message"] is True
    check = _coordinator_check(f, f"{uid}:completed")
    assert check["reason"] == "Inflated." and check["home_figures"] == expected
