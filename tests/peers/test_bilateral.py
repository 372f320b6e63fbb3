"""Two real nodes trusting each other bilaterally: sync, notices, and refused attacks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from federation.keys import generate_key
from federation.signing import sign_request
from roaming.catalogue.models import Desk, Location
from roaming.catalogue.operations import create_item, delete_item
from roaming.db import session
from roaming.peers.models import MirroredItem, Peer
from tests.support.nodes import running_node

pytestmark = pytest.mark.each_database


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nodes")
    manual = {"worker_in_process": False}  # these tests sync by command, to count what each sync brings
    with (
        running_node(folder, "CyberForum", "DE", **manual) as karlsruhe,
        running_node(folder, "it@cork", "IE", **manual) as cork,
    ):
        karlsruhe.trust(cork)  # the command itself: test_adding_a_peer_with_the_wrong_fingerprint_is_refused
        cork.trust(karlsruhe)
        yield karlsruhe, cork


def _add_location(node, name):
    with node.app_context():
        location = create_item(
            Location,
            {"name": name, "address": "Penrose Wharf", "city": "Cork", "country": "IE", "timezone": "Europe/Dublin"},
        )
        create_item(Desk, {"name": f"{name} desk", "seats": 2, "location_id": location.id})
        return location.id


def _mirrored(node, kind=None):
    with node.app_context():
        query = select(func.count()).select_from(MirroredItem)
        if kind:
            query = query.where(MirroredItem.kind == kind)
        return session.scalar(query)


def test_sync_pulls_only_what_changed(pair):
    karlsruhe, cork = pair
    location_id = _add_location(cork, "Cork hub")
    first = karlsruhe.cli("sync")
    assert first.returncode == 0, first.stderr
    assert "it@cork: 3 change(s)" in first.stdout  # profile, location, desk
    assert _mirrored(karlsruhe, "desk") == 1

    assert "it@cork: 0 change(s)" in karlsruhe.cli("sync").stdout
    with cork.app_context():
        delete_item(session.get(Location, location_id))
    third = karlsruhe.cli("sync", "--peer", "it@cork")
    assert "it@cork: 2 change(s)" in third.stdout  # two tombstones
    assert _mirrored(karlsruhe, "desk") == 0 and _mirrored(karlsruhe, "location") == 0

    listed = karlsruhe.cli("peers", "list").stdout
    assert "it@cork" in listed and "pinned" in listed and "never" not in listed


def test_syncs_of_one_peer_at_once_apply_each_change_once(pair):
    """The worker's pull and `roaming sync` may meet; neither fails, nothing is applied twice."""
    karlsruhe, cork = pair
    with cork.app_context():
        location = create_item(
            Location,
            {
                "name": "Crowded",
                "address": "Penrose Wharf",
                "city": "Cork",
                "country": "IE",
                "timezone": "Europe/Dublin",
            },
        )
        for n in range(100):
            create_item(Desk, {"name": f"Desk {n}", "seats": 1, "location_id": location.id})
    before = _mirrored(karlsruhe, "desk")
    with ThreadPoolExecutor(4) as pool:
        syncs = list(pool.map(lambda _: karlsruhe.cli("sync", "--peer", "it@cork"), range(4)))
    assert [sync.returncode for sync in syncs] == [0] * 4, [sync.stderr[-500:] for sync in syncs]
    assert _mirrored(karlsruhe, "desk") == before + 100


def _signed(node, method, url, body=None, key=None, now=None):
    key = key or node.signing_key()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return sign_request(method, url, headers, body, key.key.private_key, key.key_id, now=now)


def test_signed_requests_are_answered_and_attacks_refused(pair):
    karlsruhe, cork = pair
    url = f"{cork.url}/federation/catalogue/changes?since=0&limit=1"
    headers = _signed(karlsruhe, "GET", url)
    ok = requests.get(url, headers=headers, timeout=10)
    assert ok.status_code == 200 and "Signature" in ok.headers

    replay = requests.get(url, headers=headers, timeout=10)
    assert replay.status_code == 401 and "Replay" in replay.json()["message"]

    other_path = requests.get(url.replace("limit=1", "limit=2"), headers=_signed(karlsruhe, "GET", url), timeout=10)
    assert other_path.status_code == 401 and "does not match" in other_path.json()["message"]

    stranger = requests.get(url, headers=_signed(karlsruhe, "GET", url, key=generate_key()), timeout=10)
    assert stranger.status_code == 401 and "Unknown key" in stranger.json()["message"]

    old = _signed(karlsruhe, "GET", url, now=datetime.now(UTC) - timedelta(minutes=10))
    expired = requests.get(url, headers=old, timeout=10)
    assert expired.status_code == 401 and "past" in expired.json()["message"]

    unsigned = requests.get(url, timeout=10)
    assert unsigned.status_code == 401


def test_notice_marks_the_sender_for_a_pull_and_body_tampering_is_refused(pair):
    karlsruhe, cork = pair
    url = f"{cork.url}/federation/notices"
    body = b'{"message_id":"0123456789abcdef","type":"catalogue.changed","seq":7}'
    headers = _signed(karlsruhe, "POST", url, body=body)
    tampered = requests.post(url, data=body.replace(b"7", b"8"), headers=headers, timeout=10)
    assert tampered.status_code == 401 and "Content-Digest" in tampered.json()["message"]
    accepted = requests.post(url, data=body, headers=_signed(karlsruhe, "POST", url, body=body), timeout=10)
    assert accepted.status_code == 202
    with cork.app_context():
        assert session.scalar(select(Peer).where(Peer.name == "CyberForum")).sync_requested_at is not None
    wrong_method = requests.put(url, data=body, headers=_signed(karlsruhe, "POST", url, body=body), timeout=10)
    assert wrong_method.status_code == 405


def test_adding_a_peer_with_the_wrong_fingerprint_is_refused(pair, tmp_path):
    karlsruhe, cork = pair
    wrong = karlsruhe.cli("peers", "add", cork.url, "--fingerprint", generate_key().key_id)
    assert wrong.returncode == 1 and "does not publish a key with fingerprint" in wrong.stderr
    again = karlsruhe.cli("peers", "add", cork.url, "--fingerprint", cork.key_id)
    assert again.returncode == 1 and "is a peer already" in again.stderr


def test_ping_answers_signed_and_check_tests_trust_both_ways(pair):
    karlsruhe, cork = pair
    url = f"{cork.url}/federation/ping"
    answer = requests.post(url, data=b"{}", headers=_signed(karlsruhe, "POST", url, body=b"{}"), timeout=10)
    assert answer.status_code == 200 and "Signature" in answer.headers
    assert set(answer.json()) == {"node_id", "peer"}
    checked = karlsruhe.cli("check")
    assert "[ok]      Partner it@cork: answers" in checked.stdout, checked.stdout
    # the test nodes run in testing mode (cheap password hashes, tests/support/nodes.py): rightly a problem
    assert "[PROBLEM] Testing mode: passwords are hashed cheaply" in checked.stdout and checked.returncode == 1


def test_a_removed_peer_is_refused(pair):
    karlsruhe, cork = pair
    assert cork.cli("peers", "remove", "CyberForum").returncode == 0
    url = f"{cork.url}/federation/catalogue/changes?since=0"
    refused = requests.get(url, headers=_signed(karlsruhe, "GET", url), timeout=10)
    assert refused.status_code == 401 and "Unknown key" in refused.json()["message"]
    checked = karlsruhe.cli("check")
    assert "[warning] Partner it@cork: refuses our signed requests" in checked.stdout, checked.stdout
    assert "Unknown key" in checked.stdout
    assert cork.cli("peers", "add", karlsruhe.url, "--fingerprint", karlsruhe.key_id).returncode == 0
