"""Who may vouch, and who may change what: attestations from the wrong node, stale or for a
suspended company are refused; a peer cannot touch visits that are not between it and us."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from federation.attestation import sign_attestation
from federation.keys import generate_key
from federation.signing import sign_request
from roaming.members.models import CompanyStatus
from tests.support.visits import (
    add_desk,
    add_member,
    add_staff,
    home_and_host,
    next_monday,
    node_id_of,
    plan,
    vary_terms,
)

pytestmark = pytest.mark.one_database(reason="signatures, attestations and who may see a visit")

TIMEOUT = 30


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    with home_and_host(tmp_path_factory.mktemp("visit-security")) as (home, host):
        vary_terms(host, home, desk_confirmation="instant")
        yield home, host, add_desk(host, seats=5, name="Guarded desk")


def _claims(visit_id, status="active"):
    return {
        "visit_id": visit_id,
        "company": {"ref": "company-ref-0001", "name": "Datenwerk GmbH", "country": "DE", "status": status},
        "person": {"ref": "person-ref-0001", "name": "Ana Weber", "email": "ana@datenwerk.example", "language": "de"},
    }


def _post_signed(sender, url, payload):
    key = sender.signing_key()
    body = json.dumps(payload).encode()
    headers = sign_request("POST", url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)


def _request(home, host, desk, *, key=None, issuer=None, audience=None, status="active", now=None):
    visit_id = str(uuid.uuid4())
    token = sign_attestation(
        _claims(visit_id, status),
        key or home.signing_key(),
        issuer=issuer or node_id_of(home),
        audience=audience or node_id_of(host),
        now=now,
    )
    day = next_monday().isoformat()
    payload = {"visit_id": visit_id, "attestation": token, "desk": desk, "first_day": day, "last_day": day, "people": 1}
    return _post_signed(home, f"{host.url}/federation/visits", payload)


def test_a_properly_vouched_request_is_accepted(nodes):
    home, host, desk = nodes
    answer = _request(home, host, desk)
    assert answer.status_code == 201, answer.text


def test_an_attestation_signed_by_another_node_is_refused(nodes):
    home, host, desk = nodes
    other_key = generate_key()  # e.g. another cluster's key: not one of the sender's
    answer = _request(home, host, desk, key=other_key)
    assert answer.status_code == 403
    assert "not signed by a key of the node that sent the request" in answer.json()["message"]

    claimed = _request(home, host, desk, issuer=str(uuid.uuid4()))  # the sender's key, another issuer
    assert claimed.status_code == 403 and "another node" in claimed.json()["message"]


def test_an_attestation_for_another_host_is_refused(nodes):
    home, host, desk = nodes
    answer = _request(home, host, desk, audience=str(uuid.uuid4()))  # e.g. replayed from a request to another host
    assert answer.status_code == 403 and "meant for another host" in answer.json()["message"]


def test_a_stale_attestation_is_refused(nodes):
    home, host, desk = nodes
    answer = _request(home, host, desk, now=datetime.now(UTC) - timedelta(hours=1))
    assert answer.status_code == 403 and "expired" in answer.json()["message"]


def test_a_suspended_member_company_gets_no_attestation_and_a_forged_one_is_refused(nodes):
    home, host, desk = nodes
    visitor, company_id = add_member(home, "sus@pended.example", company="Pended AG")
    staff = add_staff(home, "office@cyberforum.example")
    suspended = requests.patch(
        f"{home.url}/api/members/companies/{company_id}", json={"status": "suspended"}, headers=staff, timeout=TIMEOUT
    )
    assert suspended.status_code == 200
    request = plan(host, desk, next_monday())
    refused = requests.post(f"{home.url}/api/visits", json=request, headers=visitor, timeout=TIMEOUT)
    assert refused.status_code == 403 and "not an active member company" in refused.json()["message"]

    forged = _request(home, host, desk, status=CompanyStatus.SUSPENDED.value)
    assert forged.status_code == 403 and "not an active member" in forged.json()["message"]


def test_only_the_home_node_cancels_and_only_the_host_updates(nodes):
    home, host, desk = nodes
    visit = _request(home, host, desk).json()
    # the host pretends to be the home node of its own hosted visit: unknown to it as such
    wrong_way = _post_signed(
        host, f"{host.url}/federation/visits/{visit['visit_id']}/cancel", {"message_id": uuid.uuid4().hex}
    )
    assert wrong_way.status_code in (401, 404)  # a node does not trust itself as a peer
    # the home node sends an update, as if it were the host: it hosts nothing for the host node
    update = {"message_id": uuid.uuid4().hex, "visit": {**visit, "version": visit["version"] + 1}}
    forged = _post_signed(home, f"{host.url}/federation/visits/updates", update)
    assert forged.status_code == 404


def test_a_visit_is_its_visitors_own(nodes):
    """Another company's member, and even a colleague, neither see nor cancel it (404, as if it
    did not exist); the visitor does."""
    home, host, desk = nodes
    mine, _ = add_member(home, "owner@datenwerk.example", company="Datenwerk GmbH")
    colleague, _ = add_member(home, "colleague@datenwerk.example", company="Datenwerk GmbH")
    stranger, _ = add_member(home, "someone@otherco.example", company="Other Co")
    made = requests.post(f"{home.url}/api/visits", json=plan(host, desk, next_monday(5)), headers=mine, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    uid = made.json()["visit_id"]
    for headers in (stranger, colleague):
        assert requests.get(f"{home.url}/api/visits/{uid}", headers=headers, timeout=TIMEOUT).status_code == 404
        listed = requests.get(f"{home.url}/api/visits", headers=headers, timeout=TIMEOUT).json()
        assert uid not in [visit["visit_id"] for visit in listed]
        cancel = requests.post(f"{home.url}/api/visits/{uid}/cancel", json={}, headers=headers, timeout=TIMEOUT)
        assert cancel.status_code == 404
    assert requests.get(f"{home.url}/api/visits/{uid}", headers=mine, timeout=TIMEOUT).json()["state"] == "confirmed"
