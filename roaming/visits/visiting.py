"""The home side of visits: our members ask partner clusters for desks.

The home node vouches for the visitor (a short-lived attestation, signed per sending, naming only
what the visit needs) and keeps a copy of the visit that follows the host's documents.

Asking: the visit row is committed first (state "requested", not yet sent), then sent at once.
The host's signed answer is the visit document. When the host cannot be reached, or its answer
cannot be used, the worker sends it again later with the same visit id (the host makes one
booking per id), so a crash or a dead peer loses nothing and duplicates nothing; a request that
keeps failing is set aside for staff (``roaming.peers.sending``). When the host refuses the request outright (its terms,
its seats, the attestation), the visitor gets the host's reasons and no visit is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select

from federation.attestation import sign_attestation
from federation.client import DeliveryError
from roaming import signals
from roaming.accounts.models import User
from roaming.db import lock_fresh, session, utcnow
from roaming.errors import Conflict, DomainError, Forbidden, NotFound
from roaming.identity.operations import key_ring, node_id
from roaming.members.models import CompanyStatus, Person
from roaming.peers import sending
from roaming.peers.delivery import IN_FLIGHT_SECONDS
from roaming.peers.discovery import PeerUnreachable
from roaming.peers.models import OutboxMessage, Peer, PeerStatus
from roaming.peers.operations import client
from roaming.peers.trust import resolver_for
from roaming.visits import horizon
from roaming.visits.documents import VisitDocumentSchema, apply_document
from roaming.visits.models import Visit, VisitRole, VisitState

REQUESTS_PATH = "/federation/visits"
# The API's words; pages show them translated (roaming.labels.SHARED_WITH_HOST).
SHARED_WITH_HOST = [
    "your name",
    "your e-mail address",
    "your preferred language",
    "your company's name and country",
    "your home cluster",
]


class HostRefused(DomainError):
    """The host refused the request; ``errors`` holds its per-field reasons."""

    def __init__(self, message: str, status: int, errors: dict | None):
        super().__init__(message)
        self.status, self.errors = status, errors


def pseudonym(kind: str, row_id: int) -> str:
    """A stable reference for one of our rows that tells a host nothing about our ids."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{row_id}".encode(), hashlib.sha256).hexdigest()[:32]


def visiting_person(user: User) -> Person:
    """The person a user books as; only people of active member companies may ask."""
    if user.person is None:
        raise Forbidden("Only people of member companies can ask for visits; this account is not linked to one.")
    if user.person.company.status is not CompanyStatus.ACTIVE:
        raise Forbidden(f"{user.person.company.name} is not an active member company, so we cannot vouch for you.")
    return user.person


def host_peer(node: str) -> Peer:
    peer = session.scalar(select(Peer).where(Peer.node_id == node))
    if peer is None:
        raise NotFound(f"No partner cluster with node id {node}.")
    if peer.status is not PeerStatus.ACTIVE:
        raise Conflict(f"{peer.name} is {peer.status.value} in the federation; no visits can be asked for now.")
    return peer


def my_visits(user: User) -> list[Visit]:
    if user.person_id is None:
        return []
    query = select(Visit).where(Visit.role == VisitRole.HOME, Visit.person_id == user.person_id)
    return list(session.scalars(query.order_by(Visit.starts_on.desc(), Visit.id.desc())))


def list_home(state: VisitState | None = None) -> list[Visit]:
    """Staff: our members' visits abroad."""
    query = select(Visit).where(Visit.role == VisitRole.HOME).order_by(Visit.starts_on.desc(), Visit.id.desc())
    if state is not None:
        query = query.where(Visit.state == state)
    return list(session.scalars(query))


def my_visit(user: User, uid: str) -> Visit:
    visit = session.scalar(select(Visit).where(Visit.uid == uid, Visit.role == VisitRole.HOME))
    if visit is None or (visit.person_id != user.person_id and not user.role.is_staff):
        raise NotFound(f"No visit {uid}.")
    return visit


def ask_quote(user: User, data: dict) -> dict:
    """The host's view of a planned visit: terms, working days, free days left, price, problems."""
    horizon.check_planned(data["first_day"], data["last_day"], past_allowed=True)
    person = visiting_person(user)
    peer = host_peer(data["host"])
    payload = _wire_request(data) | {"company_ref": pseudonym("company", person.company_id)}
    try:
        answer = client().post(f"{peer.base_url}{REQUESTS_PATH}/quote", payload, resolver_for(peer))
    except DeliveryError as error:
        raise refusal_or_unavailable(peer, error) from None
    if not isinstance(answer.data, dict):
        raise PeerUnreachable(f"{peer.name} answered the quote with something that is not one; please try again later.")
    return {"host": {"node_id": peer.node_id, "name": peer.name}, **answer.data, "shared_with_host": SHARED_WITH_HOST}


def sent_before(model, uid: str, person: Person):
    """Home side: the visit or registration (``model``) a repeated request id of ``person`` made,
    or None for a new id; an id another person or node used is a 409."""
    existing = session.scalar(select(model).where(model.uid == uid))
    if existing is not None and (existing.role is not VisitRole.HOME or existing.person_id != person.id):
        raise Conflict(f"This id ({uid}) is taken; send a new one.")
    return existing


def request_visit(user: User, data: dict) -> tuple[Visit, bool]:
    """Ask the host; returns the visit and whether it is new. A request id seen before returns
    the visit it made (the client may retry freely). Dates before today or beyond the horizon
    are refused (``horizon.check_planned``, 422) before anything is kept or sent. Commits the
    request before it is sent: nothing is held while the host answers."""
    horizon.check_planned(data["first_day"], data["last_day"])
    person = visiting_person(user)
    uid = data.get("visit_id") or str(uuid.uuid4())
    existing = sent_before(Visit, uid, person)
    if existing is not None:
        return existing, False
    peer = host_peer(data["host"])
    visit = Visit(
        uid=uid,
        role=VisitRole.HOME,
        peer=peer,
        state=VisitState.REQUESTED,
        version=0,
        desk_uid=data["desk"],
        starts_on=data["first_day"],
        ends_on=data["last_day"],
        people=data["people"],
        services=[
            {"uid": uid_, "options": data.get("service_options", {}).get(uid_, {})} for uid_ in data.get("services", [])
        ],
        message=data.get("message", ""),
        person_id=person.id,
        visitor={"name": person.name, "email": person.email, "language": person.language},
        company_ref=pseudonym("company", person.company_id),
        next_send_at=utcnow() + timedelta(seconds=IN_FLIGHT_SECONDS),  # the inline try comes first
    )
    session.add(visit)
    _announce(visit, "requested", None)
    session.commit()
    send_request(visit, inline=True)
    return visit, True


def send_request(visit: Visit, inline: bool = False) -> None:
    """Send (or send again) the request with a fresh attestation; apply the host's answer.

    The try is taken first (``sending.take_turn``), so nothing is locked while the host is asked.
    A failure is recorded and tried again later, or set aside for staff when it keeps failing
    (``sending.failed``): an unreachable host, an error answer, and an answer that is not a valid,
    signed document of this visit, of which nothing is kept. A refusal deletes the visit and raises
    ``HostRefused`` when ``inline`` (the visitor is waiting); in the background the visit is marked
    declined with the host's reason and the visitor is told. Nothing else escapes: one visit's
    failure never stops the sending of others.
    """
    sending.send(
        visit,
        REQUESTS_PATH,
        lambda: _request_payload(visit),
        apply_host_document,
        lambda row, error: _refused(row, error, inline),
        inline,
    )


def send_pending(now: datetime | None = None) -> int:
    """The worker's part: send requests that are due again; returns how many were tried."""
    due = sending.due(Visit, now or utcnow())
    for visit in due:
        send_request(visit)
    return len(due)


def _refused(visit: Visit, error: DeliveryError, inline: bool) -> None:
    """Commits the refusal: the member's request ends here."""
    refusal = refusal_or_unavailable(visit.peer, error)
    if inline:
        session.delete(visit)
        session.commit()
        raise refusal
    visit.state, visit.reason, visit.sent_at, visit.next_send_at = VisitState.DECLINED, refusal.message, utcnow(), None
    _announce(visit, VisitState.DECLINED.value, VisitState.REQUESTED)
    session.commit()


def refusal_or_unavailable(peer: Peer, error: DeliveryError) -> DomainError:
    if error.retry:
        current_app.logger.warning("%s cannot be reached: %s", peer.name, error)  # the details, for the admin
        return DomainError(gettext("%(host)s cannot be reached right now; please try again later.", host=peer.name))
    body = error.body if isinstance(error.body, dict) else {}
    message = body.get("message") or str(error)
    return HostRefused(f"{peer.name} refused: {message}", error.status or 400, body.get("errors"))


def _wire_request(data: dict) -> dict:
    return {
        "desk": data["desk"],
        "first_day": data["first_day"].isoformat(),
        "last_day": data["last_day"].isoformat(),
        "people": data["people"],
        "services": list(data.get("services", [])),
        "service_options": {uid: options for uid, options in data.get("service_options", {}).items() if options},
    }


def _request_payload(visit: Visit) -> dict:
    person = session.get(Person, visit.person_id) if visit.person_id else None
    if person is None:
        raise DomainError("The visitor's record was erased; the request cannot be sent.")
    token = attestation_for(person, visit.uid, visit.peer)
    wire = _wire_request(
        {
            "desk": visit.desk_uid,
            "first_day": visit.starts_on,
            "last_day": visit.ends_on,
            "people": visit.people,
            "services": [service["uid"] for service in visit.services],
            "service_options": {service["uid"]: service.get("options") or {} for service in visit.services},
        }
    )
    return {"visit_id": visit.uid, "attestation": token, "message": visit.message, **wire}


def attestation_for(person: Person, subject: str, host: Peer) -> str:
    """Our signed word to ``host`` that ``person`` belongs to an active member company, for one
    visit or event registration (``subject``); only what the host needs is named."""
    claims = {
        "visit_id": subject,
        "company": {
            "ref": pseudonym("company", person.company_id),
            "name": person.company.name,
            "country": person.company.country,
            "status": person.company.status.value,
        },
        "person": {
            "ref": pseudonym("person", person.id),
            "name": person.name,
            "email": person.email,
            "language": person.language,
        },
    }
    return sign_attestation(claims, key_ring().signing_key(), issuer=node_id(), audience=host.node_id)


def apply_host_document(peer: Peer, data: object, visit: Visit | None = None) -> Visit | None:
    """Apply a visit document from ``peer`` (the visit's host); returns the visit, or None when
    the document was not newer. Only the host of a visit can change it, and an answer about
    ``visit`` must be its document. Commits: it follows a wait on the host, or is a worker's or a
    message's whole work."""
    try:
        doc = VisitDocumentSchema().load(data if isinstance(data, dict) else {})
    except ValidationError as error:
        raise DomainError(f"{peer.name} sent a malformed visit document: {error.normalized_messages()}") from None
    if visit is not None and doc["visit_id"] != visit.uid:
        raise DomainError(f"{peer.name} answered with the document of another visit ({doc['visit_id']}).")
    visit = visit or session.scalar(select(Visit).where(Visit.uid == doc["visit_id"], Visit.role == VisitRole.HOME))
    if visit is None or visit.peer_id != peer.id:
        raise NotFound(f"No visit {doc['visit_id']} with {peer.name} as host.")
    lock_fresh(visit)  # two documents applied at once: the second waits and sees the first
    old_state, old_days, first = visit.state, [(day.day, day.status) for day in visit.days], visit.version == 0
    if not apply_document(visit, doc):
        session.commit()
        return None
    if first or visit.state is not old_state:
        what = visit.state.value
    elif [(day.day, day.status) for day in visit.days] != old_days:
        what = "days_changed"
    else:
        what = "updated"
    _announce(visit, what, old_state, document=doc)
    session.commit()
    return visit


def _announce(visit: Visit, what: str, old: VisitState | None, **details) -> None:
    """Tell the receivers of ``roaming.signals.visit_changed`` (the ledger's checks, follow-up,
    the visitor's notices, plugins' hooks) what happened to our member's visit, in this
    transaction, once the change is flushed."""
    session.flush()
    signals.visit_changed.send(visit, side=VisitRole.HOME, what=what, old=old, **details)


def cancellation_waiting(visit: Visit, days: list[str] | None = None) -> bool:
    """Whether a cancellation of ``visit`` (of ``days``, None: the whole visit) waits in the outbox
    for its host to be reachable."""
    waiting = session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.peer_id == visit.peer_id,
            OutboxMessage.path == f"{REQUESTS_PATH}/{visit.uid}/cancel",
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
    )
    return any(payload.get("days") == days for payload in waiting)


def cancel(visit: Visit, days: list | None = None) -> Visit:
    """Pass the visitor's cancellation (whole visit or some days) to the host. Tried at once; when
    the host cannot be reached it goes through the outbox. The host's answer updates the visit."""
    if visit.state not in (VisitState.REQUESTED, VisitState.CONFIRMED, VisitState.CHECKED_IN):
        raise Conflict(f"The visit is {visit.state.value}; it cannot be cancelled.")
    if visit.sent_at is None:
        raise Conflict("The request has not reached the host yet; try again in a moment.")
    if days is not None and not days:  # an empty list is not "all days"
        raise ValidationError({"days": ["Name the days to cancel, or leave days out: all."]})
    wanted = [day.isoformat() for day in days] if days is not None else None
    if cancellation_waiting(visit, wanted):
        return visit  # asked before: it is passed on once the host can be reached, once
    payload = {"message_id": uuid.uuid4().hex, "days": wanted}
    path = f"{REQUESTS_PATH}/{visit.uid}/cancel"
    answer = sending.now_or_queued(
        visit.peer,
        path,
        payload,
        partial(refusal_or_unavailable, visit.peer),
        queued_already=lambda: cancellation_waiting(visit, wanted),
    )
    if answer is not None:
        apply_host_document(visit.peer, answer.data, visit)
    return visit
