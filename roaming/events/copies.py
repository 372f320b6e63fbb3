"""The host's copy of an event registration for the member's home node: after every change, its
document goes through the outbox, made once per transaction when it commits (as
``roaming.visits.copies`` does for visits)."""

from __future__ import annotations

from roaming import signals
from roaming.events.documents import document
from roaming.events.models import Registration
from roaming.peers.delivery import enqueue_at_commit
from roaming.visits.models import VisitRole

UPDATES_PATH = "/federation/events/registrations/updates"


@signals.registration_changed.connect
def on_registration(registration: Registration, *, side: str, **_) -> None:
    if side == VisitRole.HOST:
        enqueue_at_commit(
            ("registration-document", registration.id),
            registration.peer,
            UPDATES_PATH,
            lambda: {"registration": document(registration)},
        )
