"""Fixtures for visits in-process: a partner node whose visitors we host."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from federation.attestation import sign_attestation
from federation.keys import generate_key
from roaming.db import session
from roaming.identity.operations import node_id
from roaming.peers.models import Peer, PeerKey, TrustSource
from roaming.visits import hosting

MONDAY = date(2030, 1, 7)
NOW = datetime(2029, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def home_peer(within):
    """A partner node (the visitors' home) with a key it signs attestations with."""
    key = generate_key()

    def add():
        peer = Peer(
            node_id=str(uuid.uuid4()), name="CyberForum", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED
        )
        peer.keys.append(PeerKey(key_id=key.key_id, jwk=key.public_jwk()))
        session.add(peer)
        session.commit()
        return peer

    return within(add), key


def attested_request(peer, key, desk_uid, first=MONDAY, last=None, company="c-0001", people=1, now=None):
    visit_id = str(uuid.uuid4())
    claims = {
        "visit_id": visit_id,
        "company": {"ref": company, "name": "Datenwerk GmbH", "country": "DE", "status": "active"},
        "person": {"ref": "p-0001", "name": "Ana Weber", "email": "ana@datenwerk.example", "language": "de"},
    }
    token = sign_attestation(claims, key, issuer=peer.node_id, audience=node_id(), now=now)
    return {
        "visit_id": visit_id,
        "attestation": token,
        "desk": desk_uid,
        "first_day": first,
        "last_day": last or first,
        "people": people,
        "services": [],
        "message": "",
    }


def receive(home, desk, **kwargs):
    peer, key = home
    live = session.merge(peer)
    visit, _created = hosting.receive_request(live, attested_request(live, key, desk.uid, **kwargs), NOW)
    return visit
