"""A coordinator and three member nodes as real processes: admission, catalogue propagation,
suspension, and a coordinator outage until the registry expires."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from federation.keys import KeyRing
from federation.signing import sign_request
from roaming.catalogue.models import Service
from roaming.catalogue.operations import create_item
from roaming.db import session
from roaming.peers.models import MirroredItem, Peer, PeerStatus
from tests.support.nodes import running_node, wait_for

pytestmark = pytest.mark.each_database

FAST = {"worker_tick_seconds": 0.2, "registry_refresh_seconds": 1, "sync_interval_seconds": 30}
LIFETIME = 8  # seconds a registry stays valid once the coordinator stops answering


def peers_of(node) -> dict[str, PeerStatus]:
    with node.app_context():
        return {peer.name: peer.status for peer in session.scalars(select(Peer))}


def mirrored_names(node) -> set[str]:
    with node.app_context():
        return {row.data.get("name") or row.data.get("title") for row in session.scalars(select(MirroredItem))}


def signed_get(sender, url):
    key = sender.signing_key()
    return requests.get(url, headers=sign_request("GET", url, {}, None, key.key.private_key, key.key_id), timeout=10)


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    folder = tmp_path_factory.mktemp("federation")
    with running_node(
        folder, "CyberForum", "DE", coordinator_enabled=True, registry_lifetime_seconds=LIFETIME, **FAST
    ) as coordinator:
        member = {"coordinator_url": coordinator.url, "coordinator_key": coordinator.key_id, **FAST}
        with (
            running_node(folder, "Systematic", "FR", **member) as paris,
            running_node(folder, "it@cork", "IE", **member) as cork,
            running_node(folder, "Silicon Saxony", "DE", **member) as dresden,
        ):
            yield coordinator, paris, cork, dresden


def admit(coordinator, node):
    added = coordinator.cli("coordinator", "add", node.url, "--fingerprint", node.key_id, "--note", "test")
    assert added.returncode == 0, added.stderr
    admitted = coordinator.cli("coordinator", "admit", node.name)
    assert admitted.returncode == 0, admitted.stderr


def test_admitted_clusters_appear_at_the_others_and_catalogues_flow(federation):
    coordinator, paris, cork, dresden = federation
    admit(coordinator, paris)
    admit(coordinator, cork)

    def paris_and_cork_know_each_other():
        return (
            peers_of(paris).get("it@cork") == PeerStatus.ACTIVE
            and peers_of(cork).get("Systematic") == PeerStatus.ACTIVE
        )

    wait_for(paris_and_cork_know_each_other)
    assert "Silicon Saxony" not in peers_of(paris)  # not admitted (yet)

    with cork.app_context():
        create_item(Service, {"kind": "matchmaking", "name": "Cork matchmaking desk"})

    def paris_mirrors_the_new_service():
        return "Cork matchmaking desk" in mirrored_names(paris)

    wait_for(paris_mirrors_the_new_service, timeout=15)

    admit(coordinator, dresden)
    wait_for(lambda: peers_of(paris).get("Silicon Saxony") == PeerStatus.ACTIVE)
    wait_for(lambda: "Silicon Saxony" in mirrored_names(cork))  # its cluster profile arrived


def test_a_suspended_member_is_refused_within_one_refresh(federation):
    coordinator, paris, cork, dresden = federation
    url = f"{paris.url}/federation/catalogue/changes?since=0&limit=1"
    assert signed_get(dresden, url).status_code == 200
    assert coordinator.cli("coordinator", "suspend", "Silicon Saxony").returncode == 0
    wait_for(lambda: peers_of(paris).get("Silicon Saxony") == PeerStatus.SUSPENDED, timeout=10)
    refused = signed_get(dresden, url)
    assert refused.status_code == 401 and "suspended" in refused.json()["message"]


def test_a_members_key_rotation_reaches_the_others_through_the_registry(federation):
    coordinator, paris, cork, dresden = federation
    assert cork.cli("keys", "rotate").returncode == 0
    published = {key.key_id for key in KeyRing(cork.instance).published_keys()}
    assert len(published) == 2

    def paris_knows_both_keys():
        with paris.app_context():
            peer = session.scalar(select(Peer).where(Peer.name == "it@cork"))
            return {key.key_id for key in peer.keys} == published

    wait_for(paris_knows_both_keys, timeout=15)


def test_members_show_their_registry_copy(federation):
    shown = federation[2].cli("registry", "show")
    assert shown.returncode == 0 and "version" in shown.stdout and "Not usable" not in shown.stdout
    members = shown.stdout.split("4 member(s):\n", 1)[1].splitlines()
    statuses = {line.split()[0]: line.split(" http")[0].split()[-1] for line in members[:4]}
    assert statuses == {  # the earlier tests admitted and suspended them
        "CyberForum": "admitted",
        "it@cork": "admitted",
        "Silicon": "suspended",
        "Systematic": "admitted",
    }, shown.stdout
    assert [line for line in members if "(this node)" in line] == [members[1]]


def test_coordinator_outage_is_survived_until_the_registry_expires(federation, tmp_path):
    coordinator, paris, cork, dresden = federation
    url = f"{paris.url}/federation/catalogue/changes?since=0&limit=1"
    stop_coordinator(coordinator)
    time.sleep(2)
    assert signed_get(cork, url).status_code == 200  # cached registry still valid

    def paris_refuses_for_now():
        """after expiry, paris answers 503 (cannot check), not 401"""
        response = signed_get(cork, url)
        return [response] if response.status_code == 503 else None  # a Response is falsy when not ok

    (response,) = wait_for(paris_refuses_for_now, timeout=LIFETIME + 10)
    assert "registry expired" in response.json()["message"] and response.headers["Retry-After"]
    shown = paris.cli("registry", "show").stdout
    assert "Not usable" in shown and "Last refresh failed" in shown


def stop_coordinator(node):
    node.stop()
    wait_for(lambda: not _answers(node.url), timeout=10)


def _answers(url):
    try:
        return requests.get(f"{url}/healthz", timeout=1).ok
    except requests.ConnectionError:
        return False
