"""Fixtures for visits in-process: a partner node whose visitors we host."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from federation.attestation import sign_attestation
from roaming.db import session
from roaming.identity.operations import node_id
from roaming.visits import hosting

MONDAY = date(2030, 1, 7)
NOW = datetime(2029, 12, 1, 9, 0, tzinfo=UTC)


def attested_request(
    peer, key, desk_uid, first=MONDAY, last=None, company="c-0001", people=1, now=None, services=(), message=""
):
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
        "services": list(services),
        "message": message,
    }


def receive(home, desk, **kwargs):
    peer, key = home
    live = session.merge(peer)
    visit, _created = hosting.receive_request(live, attested_request(live, key, desk.uid, **kwargs), NOW)
    return visit
