"""The home side of event registrations: our members take seats at partners' events.

Like a visit request, the registration is committed first and then sent with a fresh
attestation; a host that cannot be reached gets it again from the worker with the same id (the
host makes one registration per id), and an outright refusal leaves nothing behind.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import partial

from marshmallow import ValidationError
from sqlalchemy import select

from federation.client import DeliveryError
from roaming import signals
from roaming.accounts.models import User
from roaming.db import lock_fresh, session, utcnow
from roaming.errors import Conflict, DomainError, NotFound
from roaming.events.documents import RegistrationDocumentSchema, apply_document
from roaming.events.models import Registration, RegistrationState
from roaming.members.models import Person
from roaming.peers import sending
from roaming.peers.delivery import IN_FLIGHT_SECONDS
from roaming.peers.models import Peer
from roaming.visits.models import VisitRole
from roaming.visits.visiting import (
    attestation_for,
    host_peer,
    pseudonym,
    refusal_or_unavailable,
    sent_before,
    visiting_person,
)

REGISTRATIONS_PATH = "/federation/events/registrations"


def my_registrations(user: User) -> list[Registration]:
    if user.person_id is None:
        return []
    query = select(Registration).where(Registration.role == VisitRole.HOME, Registration.person_id == user.person_id)
    return list(session.scalars(query.order_by(Registration.id.desc())))


def list_home() -> list[Registration]:
    """Staff: our members' registrations at partners' events."""
    query = select(Registration).where(Registration.role == VisitRole.HOME)
    return list(session.scalars(query.order_by(Registration.id.desc())))


def my_registration(user: User, uid: str) -> Registration:
    registration = session.scalar(select(Registration).where(Registration.uid == uid))
    if registration is None:
        raise NotFound(f"No registration {uid}.")
    if registration.role is VisitRole.HOME and registration.person_id == user.person_id:
        return registration
    if user.role.is_staff:
        return registration
    raise NotFound(f"No registration {uid}.")


def register(user: User, data: dict) -> tuple[Registration, bool]:
    """Ask the host for a seat at its event; returns the registration and whether it is new. Commits
    the registration before it is sent: nothing is held while the host answers."""
    person = visiting_person(user)
    uid = data.get("registration_id") or str(uuid.uuid4())
    existing = sent_before(Registration, uid, person)
    if existing is not None:
        return existing, False
    peer = host_peer(data["host"])
    registration = Registration(
        uid=uid,
        role=VisitRole.HOME,
        peer=peer,
        event_uid=data["event"],
        event={"uid": data["event"]},
        state=RegistrationState.REQUESTED,
        person_id=person.id,
        person_ref=pseudonym("person", person.id),
        visitor={"name": person.name, "email": person.email, "language": person.language},
        next_send_at=utcnow() + timedelta(seconds=IN_FLIGHT_SECONDS),  # the inline try comes first
    )
    session.add(registration)
    session.commit()
    send_registration(registration, inline=True)
    return registration, True


def send_registration(registration: Registration, inline: bool = False) -> None:
    """Send (or send again) the registration and apply the host's answer, as
    ``visiting.send_request`` does for visits: the try taken first, failures recorded and tried
    again or set aside, a refusal leaving nothing behind (raised when ``inline``). Commits what the
    host's answer changed (sending takes its turn in a commit of its own)."""
    peer = registration.peer
    person = session.get(Person, registration.person_id) if registration.person_id else None
    if person is None:
        session.delete(registration)
        session.commit()
        return
    payload = {"registration_id": registration.uid, "event": registration.event_uid}
    sending.send(
        registration,
        REGISTRATIONS_PATH,
        lambda: payload | {"attestation": attestation_for(person, registration.uid, peer)},
        apply_host_document,
        lambda row, error: _refused(row, error, inline),
        inline,
    )


def _refused(registration: Registration, error: DeliveryError, inline: bool) -> None:
    """The host refused the registration outright: nothing is kept; the waiting member is told why.
    Commits the refusal: the member's request ends here."""
    refusal = refusal_or_unavailable(registration.peer, error)
    session.delete(registration)
    session.commit()
    if inline:
        raise refusal from None


def send_pending(now: datetime | None = None) -> int:
    """The worker's part: send registrations that are due again."""
    due = sending.due(Registration, now or utcnow())
    for registration in due:
        send_registration(registration)
    return len(due)


def apply_host_document(peer: Peer, data: object, registration: Registration | None = None) -> Registration | None:
    """Apply a registration document from the event's host; None when it was not newer. Commits: it
    follows a wait on the host, or is a worker's or a message's whole work."""
    try:
        doc = RegistrationDocumentSchema().load(data if isinstance(data, dict) else {})
    except ValidationError as error:
        raise DomainError(f"{peer.name} sent a malformed registration: {error.normalized_messages()}") from None
    if registration is not None and doc["registration_id"] != registration.uid:
        raise DomainError(f"{peer.name} answered with another registration ({doc['registration_id']}).")
    registration = registration or session.scalar(
        select(Registration).where(Registration.uid == doc["registration_id"], Registration.role == VisitRole.HOME)
    )
    if registration is None or registration.peer_id != peer.id:
        raise NotFound(f"No registration {doc['registration_id']} with {peer.name} as host.")
    lock_fresh(registration)  # two documents applied at once: the second waits and sees the first
    old = registration.state
    if not apply_document(registration, doc):
        session.commit()
        return None
    what = registration.state.value if registration.state is not old else "updated"
    session.flush()
    signals.registration_changed.send(registration, side=VisitRole.HOME, what=what, old=old, document=doc)
    session.commit()
    return registration


def cancel(registration: Registration) -> Registration:
    """Pass the member's cancellation to the host (at once, or through the outbox)."""
    if registration.state not in (RegistrationState.REGISTERED, RegistrationState.WAITLISTED):
        raise Conflict(f"The registration is {registration.state.value}; it cannot be cancelled.")
    payload = {"message_id": uuid.uuid4().hex}
    path = f"{REGISTRATIONS_PATH}/{registration.uid}/cancel"
    answer = sending.now_or_queued(
        registration.peer,
        path,
        payload,
        partial(refusal_or_unavailable, registration.peer),
        queued_already=lambda: sending.waiting(registration.peer, path),
    )
    if answer is not None:
        apply_host_document(registration.peer, answer.data, registration)
    return registration
