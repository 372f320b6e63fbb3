"""The reciprocity ledger across a coordinator and two members, all real processes: after a
scripted run of visits (completed, declined, expired unanswered) and an event, hosts and homes
report every receipt alike, and every node's ledger and the coordinator's figures agree exactly;
receipts cannot be replayed, altered or reported by the wrong node; a follow-up answer reaches the
host and the coordinator. Hostile partners: test_hostile_partners.py."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from roaming.db import session, utcnow
from roaming.events import clock as event_clock
from roaming.followup import operations as followup
from roaming.ledger.models import Book, Receipt
from roaming.visits import clock
from tests.support.federation import coordinated_federation, signed_post
from tests.support.nodes import wait_for
from tests.support.visits import (
    add_desk,
    add_event,
    add_member,
    check_in_days,
    complete_due,
    next_monday,
    node_id_of,
    plan,
)

FIGURES = (
    "visits",
    "desk_days",
    "services",
    "event_seats",
    "confirmed",
    "declined",
    "expired",
    "median_response_hours",
)

pytestmark = pytest.mark.each_database
TIMEOUT = 30


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    with coordinated_federation(tmp_path_factory.mktemp("ledger")) as nodes_and_staff:
        yield nodes_and_staff


def _ask(home, visitor, host, desk, first, last=None, people=1):
    answer = requests.post(
        f"{home.url}/api/visits", json=plan(host, desk, first, last, people=people), headers=visitor, timeout=TIMEOUT
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["visit_id"]


def _decide(host, staff, uid, decision, **body):
    answer = requests.post(f"{host.url}/api/visits/{uid}/{decision}", json=body, headers=staff, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text


def _get(node, headers, path):
    answer = requests.get(f"{node.url}{path}", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer


def _federation_receipts(node, book: Book = Book.FEDERATION) -> int:
    with node.app_context():
        return session.scalar(select(func.count()).where(Receipt.book == book))


@pytest.fixture(scope="module")
def scripted_run(federation):
    nodes, staff = federation
    karlsruhe, paris, cork = nodes["CyberForum"], nodes["Systematic"], nodes["it@cork"]
    desks = {node.name: add_desk(node, seats=3, name=f"{node.name} desk") for node in nodes.values()}
    anna, _ = add_member(paris, "anna@paris.example", company="Atelier Numérique")
    ciaran, _ = add_member(cork, "ciaran@cork.example", company="Harbour Robotics")
    kai, _ = add_member(karlsruhe, "kai@karlsruhe.example", company="Datenwerk GmbH")
    monday = next_monday()
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)

    # it@cork hosts Systematic's Anna for two days
    v1 = _ask(paris, anna, cork, desks["it@cork"], monday, tuesday)
    _decide(cork, staff["it@cork"], v1, "approve")
    # Systematic declines it@cork's Ciaran
    v2 = _ask(cork, ciaran, paris, desks["Systematic"], monday)
    _decide(paris, staff["Systematic"], v2, "decline", reason="Our desks are closed for an inventory that week.")
    # CyberForum leaves Anna's request unanswered until it expires
    v3 = _ask(paris, anna, karlsruhe, desks["CyberForum"], wednesday)
    with karlsruhe.app_context():
        assert clock.expire_due(now=utcnow() + timedelta(days=4)) == 1
    # it@cork hosts CyberForum's Kai with a colleague; CyberForum hosts Ciaran, who comes two of three days
    v4 = _ask(karlsruhe, kai, cork, desks["it@cork"], wednesday, people=2)
    _decide(cork, staff["it@cork"], v4, "approve")
    v5 = _ask(cork, ciaran, karlsruhe, desks["CyberForum"], monday, wednesday)
    _decide(karlsruhe, staff["CyberForum"], v5, "approve")
    check_in_days(cork, v1, [monday, tuesday])
    check_in_days(cork, v4, [wednesday])
    check_in_days(karlsruhe, v5, [monday, tuesday])
    assert complete_due(cork, wednesday + timedelta(days=1)) == 2
    assert complete_due(karlsruhe, wednesday + timedelta(days=1)) == 1
    # a CyberForum event with one visitor seat: Ciaran gets it, Anna waits and misses out
    event = add_event(karlsruhe, seats=1, title="KI-Stammtisch")
    for visitor, home in ((ciaran, cork), (anna, paris)):
        body = {"host": node_id_of(karlsruhe), "event": event}
        assert requests.post(f"{home.url}/api/registrations", json=body, headers=visitor, timeout=TIMEOUT).ok
    with karlsruhe.app_context():
        assert event_clock.close_finished(utcnow() + timedelta(days=30)) == 2

    def all_receipts_reported():
        """the homes reported all nine receipts to the coordinator, and the hosts too"""
        return _federation_receipts(karlsruhe) == 9 == _federation_receipts(karlsruhe, Book.ISSUED)

    wait_for(all_receipts_reported, timeout=90)  # a bound for a loaded machine, not a timing
    return {"visits": (v1, v2, v3, v4, v5), "anna": anna, "monday": monday}


def test_every_nodes_ledger_equals_the_coordinators_figures(federation, scripted_run):
    nodes, staff = federation
    ids = {name: node_id_of(node) for name, node in nodes.items()}
    karlsruhe = nodes["CyberForum"]
    coordinator = {
        (row["host"], row["home"], row["period"]): {name: row[name] for name in FIGURES}
        for row in _get(karlsruhe, staff["CyberForum"], "/api/coordinator/ledger").json()
    }
    rows = _get(karlsruhe, staff["CyberForum"], "/api/coordinator/ledger").json()
    assert {(row["status"], row["disputed"], row["unconfirmed"]) for row in rows} == {("agreed", 0, 0)}
    assert _get(karlsruhe, staff["CyberForum"], "/api/coordinator/ledger/checks").json() == []
    seen = set()
    for name, node in nodes.items():
        for row in _get(node, staff[name], "/api/ledger").json():
            me, partner = ids[name], row["partner"]["node_id"]
            key = (me, partner, row["period"]) if row["direction"] == "hosted_for" else (partner, me, row["period"])
            assert {field: row[field] for field in FIGURES} == coordinator[key], (name, row)
            seen.add((key, row["direction"]))
    # every flow is shown by its host and by its home
    assert seen == {(key, d) for key in coordinator for d in ("hosted_for", "received_from")}

    def total(host, home, field):
        return sum(v[field] for (h, m, _), v in coordinator.items() if (h, m) == (ids[host], ids[home]))

    assert total("it@cork", "Systematic", "desk_days") == 2 and total("it@cork", "Systematic", "visits") == 1
    assert total("it@cork", "CyberForum", "desk_days") == 2  # one day, two people
    assert total("CyberForum", "it@cork", "desk_days") == 2  # two of the three days checked in
    assert total("CyberForum", "it@cork", "event_seats") == 1
    assert total("Systematic", "it@cork", "declined") == 1
    assert total("CyberForum", "Systematic", "expired") == 1  # unanswered: in Systematic's record of CyberForum
    paris_view = _get(nodes["Systematic"], staff["Systematic"], "/api/ledger").json()
    record = [r for r in paris_view if r["partner"]["name"] == "CyberForum" and r["direction"] == "received_from"]
    assert sum(r["expired"] for r in record) == 1 and all(r["median_response_hours"] is None for r in record)

    csv = _get(karlsruhe, staff["CyberForum"], "/api/coordinator/ledger/export.csv").text.splitlines()
    assert csv[0].startswith("period,host,host_name,home,home_name,visits,desk_days")
    assert len(csv) == 1 + len(coordinator) and any(",it@cork," in line and ",Systematic," in line for line in csv)


def test_receipts_cannot_be_counted_twice_altered_or_reported_by_another_node(federation, scripted_run):
    nodes, staff = federation
    karlsruhe, paris, cork = nodes["CyberForum"], nodes["Systematic"], nodes["it@cork"]
    v1 = scripted_run["visits"][0]
    receipts = _get(paris, staff["Systematic"], f"/api/ledger/receipts?subject={v1}").json()
    token = next(r["token"] for r in receipts if r["kind"] == "completed")
    url = f"{karlsruhe.url}/federation/ledger/receipts"
    before = _federation_receipts(karlsruhe)

    again, body, headers = signed_post(paris, url, {"message_id": uuid.uuid4().hex, "receipt": token})
    assert again.status_code == 409 and "counted already" in again.json()["message"]

    header, payload, signature = token.split(".")
    forged = json.loads(_b64decode(payload)) | {"desk_days": 40}
    altered = ".".join((header, _b64encode(json.dumps(forged).encode()), signature))
    refused, _, _ = signed_post(paris, url, {"message_id": uuid.uuid4().hex, "receipt": altered})
    assert refused.status_code == 422 and "signature" in refused.json()["message"]

    by_host, _, _ = signed_post(cork, url, {"message_id": uuid.uuid4().hex, "receipt": token})
    assert by_host.status_code == 422 and "only the cluster whose member was hosted" in by_host.json()["message"]

    replayed = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)  # the same signed request again
    assert replayed.status_code == 401
    assert _federation_receipts(karlsruhe) == before


def test_a_follow_up_answer_reaches_the_host_and_the_coordinator(federation, scripted_run):
    nodes, staff = federation
    karlsruhe, paris, cork = nodes["CyberForum"], nodes["Systematic"], nodes["it@cork"]
    with paris.app_context():
        assert followup.send_due(now=utcnow() + timedelta(days=8)) == 1  # the first survey of Anna's one visit
    surveys = _get(paris, scripted_run["anna"], "/api/followup/surveys").json()
    assert [s["host"] for s in surveys] == ["it@cork"]
    answer = {
        "useful": True,
        "new_contacts": 3,
        "orders": "10k_to_100k",
        "contracts": "none",
        "publish_case_study": True,
        "case_study": "Two days in Cork led to a pilot with a harbour logistics firm.",
    }
    sent = requests.post(
        f"{paris.url}/api/followup/surveys/{surveys[0]['survey_id']}/answer",
        json=answer,
        headers=scripted_run["anna"],
        timeout=TIMEOUT,
    )
    assert sent.status_code == 200, sent.text

    def coordinator_shows_the_connection():
        """the coordinator's connection data has Systematic -> it@cork"""
        rows = _get(karlsruhe, staff["CyberForum"], "/api/followup/connections?scope=federation").json()
        return rows

    [connection] = wait_for(coordinator_shows_the_connection)
    assert connection["home"] == node_id_of(paris) and connection["host"] == node_id_of(cork)
    assert connection["new_contacts"] == 3 and connection["orders"] == {"10k_to_100k": 1}
    wait_for(lambda: _get(cork, staff["it@cork"], "/api/followup/connections").json())
    [study] = _get(karlsruhe, {}, "/api/followup/case-studies?scope=federation").json()
    assert study["company"] == "Atelier Numérique" and "harbour logistics" in study["text"]


def _b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")
