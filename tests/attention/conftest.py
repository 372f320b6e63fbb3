"""Items set aside, one of each kind, as the senders leave them after failing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from roaming.db import session, utcnow
from roaming.events.models import Registration, RegistrationState
from roaming.notify.models import Notification
from roaming.peers.models import OutboxMessage, Peer, TrustSource
from roaming.visits.models import VisitRole
from tests.support.visits import home_visit_row


@pytest.fixture
def set_aside(within, make_person):
    """Returns {kind: id} of a message, a visit request, a registration and an e-mail set aside."""
    person = make_person(name="Ana Weber")

    def add():
        peer = Peer(node_id="node-cork", name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        now, visitor = utcnow(), {"name": "Ana Weber", "email": person.email, "language": "en"}
        rows = {
            "message": OutboxMessage(
                peer=peer,
                message_id=uuid.uuid4().hex,
                path="/federation/visits/updates",
                payload={},
                attempts=10,
                last_error="500 from the peer: boom",
                failed_at=now,
            ),
            "visit": home_visit_row(
                peer,
                date(2027, 3, 1),
                date(2027, 3, 2),
                person_id=person.id,
                visitor=visitor,
                send_attempts=10,
                last_send_error="it@cork sent a malformed visit document",
                needs_attention_at=now,
            ),
            "registration": Registration(
                uid=str(uuid.uuid4()),
                role=VisitRole.HOME,
                peer=peer,
                event_uid=str(uuid.uuid4()),
                event={"title": "Cork AI meetup"},
                state=RegistrationState.REQUESTED,
                person_id=person.id,
                person_ref="p-0001",
                visitor=visitor,
                send_attempts=10,
                last_send_error="The peer's answer is not JSON.",
                needs_attention_at=now,
            ),
            "notification": Notification(
                kind="visit.confirmed",
                recipient_email="ana@datenwerk.example",
                subject="Your visit",
                text="",
                html="",
                attempts=8,
                last_error="roaming: SMTPServerDisconnected: gone",
                failed_at=now,
            ),
        }
        session.add_all(rows.values())
        session.commit()
        return {kind: row.id for kind, row in rows.items()}

    return within(add)
