"""A coordinated federation of real nodes for multi-node tests: CyberForum as coordinator and two
members it admitted, each knowing the others; and signed requests sent as one of them."""

from __future__ import annotations

import json
from contextlib import contextmanager

import requests
from sqlalchemy import select

from federation.signing import sign_request
from roaming.db import session
from roaming.peers.models import Peer, PeerStatus
from tests.support.nodes import running_node, wait_for
from tests.support.visits import add_staff

FAST = {"worker_tick_seconds": 0.2, "registry_refresh_seconds": 1, "visit_clock_seconds": 0.5}
TIMEOUT = 30


@contextmanager
def coordinated_federation(folder):
    """CyberForum (the coordinator), Systematic and it@cork, admitted and active for each other;
    yields ({name: node}, {name: staff bearer headers})."""
    with running_node(folder, "CyberForum", "DE", coordinator_enabled=True, **FAST) as karlsruhe:
        member = {"coordinator_url": karlsruhe.url, "coordinator_key": karlsruhe.key_id, **FAST}
        with (
            running_node(folder, "Systematic", "FR", **member) as paris,
            running_node(folder, "it@cork", "IE", **member) as cork,
        ):
            for node in (paris, cork):
                assert karlsruhe.cli("coordinator", "add", node.url, "--fingerprint", node.key_id).returncode == 0
                assert karlsruhe.cli("coordinator", "admit", node.name).returncode == 0
            nodes = (karlsruhe, paris, cork)
            for node in nodes:
                wait_for(lambda node=node: _knows_all(node, nodes))
            yield (
                {node.name: node for node in nodes},
                {node.name: add_staff(node, f"staff@{node.port}.example") for node in nodes},
            )


def _knows_all(node, nodes) -> bool:
    with node.app_context():
        active = set(session.scalars(select(Peer.name).where(Peer.status == PeerStatus.ACTIVE)))
    return active >= {other.name for other in nodes if other is not node}


def signed_post(sender, url: str, payload: dict) -> tuple[requests.Response, bytes, dict]:
    """POST ``payload`` to ``url`` signed with ``sender``'s key, as that node would; returns the
    answer, and the body and headers sent (to send them again)."""
    body = json.dumps(payload).encode()
    key = sender.signing_key()
    headers = sign_request("POST", url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT), body, headers
