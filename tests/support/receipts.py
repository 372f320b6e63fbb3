"""Receipts and documents in-process: partner nodes with keys that sign receipts, a member's visit
or registration as its home holds it, and the host's documents about it."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from joserfc import jws

from federation.keys import generate_key
from federation.receipts import ALGORITHM, TYPE, signed_receipt
from roaming.db import session
from roaming.events.models import Registration, RegistrationState
from roaming.peers.models import Peer, PeerKey, TrustSource
from roaming.visits.models import Visit, VisitRole, VisitState

MONDAY = date(2030, 1, 7)
SERVICE = "5a0c1f4e-2b7d-4c55-9a55-0d2b3f0c9e11"


class Partner:
    """A partner node: its peer row here and the key it signs with."""

    def __init__(self, name: str, us: str = ""):
        self.name, self.key, self.node_id = name, generate_key(), str(uuid.uuid4())
        self.us = us  # our node id: whom its receipts are for

    def add(self) -> Peer:
        peer = Peer(node_id=self.node_id, name=self.name, base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        peer.keys.append(PeerKey(key_id=self.key.key_id, jwk=self.key.public_jwk()))
        session.add(peer)
        session.commit()
        return peer

    def peer(self) -> Peer:
        return session.query(Peer).filter_by(node_id=self.node_id).one()

    def receipt(self, kind: str, subject: str, period: str = "2030-01", audience: str | None = None, **claims) -> str:
        """A receipt this partner signs (for us unless ``audience``); ``claims`` override the counts."""
        counts = {"desk_days": 0, "services": 0, "event_seats": 0, "response_seconds": None}
        payload = {"kind": kind, "subject": subject, "period": period, **counts, **claims}
        token, _ = signed_receipt(payload, self.key, issuer=self.node_id, audience=audience or self.us)
        return token

    def signed(self, payload: dict) -> str:
        """Any payload signed as a receipt by this partner, however malformed."""
        header = {"alg": ALGORITHM, "kid": self.key.key_id, "typ": TYPE}
        return jws.serialize_compact(header, json.dumps(payload).encode(), self.key.key, algorithms=[ALGORITHM])


def add_home_visit(host: Partner, **fields) -> str:
    """Our member's visit at ``host`` as sent (not yet answered): Monday to Wednesday, one person,
    one service; returns the visit's id."""
    visit = Visit(
        uid=str(uuid.uuid4()),
        role=VisitRole.HOME,
        peer=host.peer(),
        state=VisitState.REQUESTED,
        version=0,
        desk_uid=str(uuid.uuid4()),
        starts_on=MONDAY,
        ends_on=MONDAY + timedelta(days=2),
        people=1,
        services=[{"uid": SERVICE, "options": {}}],
        company_ref="company-ref-0001",
        **fields,
    )
    session.add(visit)
    session.commit()
    return visit.uid


def add_home_registration(host: Partner) -> tuple[str, str]:
    """Our member's registration for an event of ``host``; returns (its id, the event's id)."""
    event = str(uuid.uuid4())
    registration = Registration(
        uid=str(uuid.uuid4()),
        role=VisitRole.HOME,
        peer=host.peer(),
        event_uid=event,
        event={"uid": event},
        state=RegistrationState.REQUESTED,
        person_ref="person-ref-0001",
    )
    session.add(registration)
    session.commit()
    return registration.uid, event


def visit_document(uid: str, version: int, state: str, days: dict, receipts=(), **fields) -> dict:
    """The host's document of visit ``uid``; ``days``: date -> status."""
    return {
        "visit_id": uid,
        "version": version,
        "state": state,
        "resource": {},
        "people": 1,
        "services": [{"uid": SERVICE, "name": "Guest desk", "kind": "desk"}],
        "days": [{"date": day.isoformat(), "status": status} for day, status in days.items()],
        "price": {},
        "terms": {},
        "deadline_at": None,
        "reason": None,
        "checkin_url": None,
        "history": [],
        "receipts": list(receipts),
        **fields,
    }


def registration_document(uid: str, event: str, version: int, state: str, receipts=()) -> dict:
    return {
        "registration_id": uid,
        "version": version,
        "state": state,
        "event": {"uid": event, "title": "Cork AI meetup", "starts_at": "2030-01-08T17:00:00+00:00"},
        "waitlist_position": 1 if state == "waitlisted" else None,
        "price": {},
        "history": [],
        "receipts": list(receipts),
    }
