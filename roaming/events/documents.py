"""The registration document: how the host tells the home node what a registration is now.

Sent in answer to every registration message and, through the outbox, after every change; the
home node applies only newer versions, and only those that keep to the event registered for and
leave a closed registration (cancelled, attended, missed) as it is. It carries the host's signed
receipts for the registration, which the home checks against it (``roaming.ledger.checks``).
"""

from __future__ import annotations

from flask import current_app
from marshmallow import fields, validate

from federation import receipts
from roaming.catalogue.models import Event
from roaming.events.models import Registration, RegistrationState
from roaming.schemas import WireSchema, bounded_strings
from roaming.visits.documents import Contradiction, signed_receipts


def event_snapshot(event: Event) -> dict:
    location = event.location
    return {
        "uid": event.uid,
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "place": ", ".join(part for part in (location.name, location.address, location.city) if part)
        if location
        else "",
        "online_url": event.online_url,
        "host_url": current_app.config["BASE_URL"].rstrip("/"),
    }


def document(registration: Registration) -> dict:
    return {
        "registration_id": registration.uid,
        "version": registration.version,
        "state": registration.state.value,
        "event": registration.event,
        "waitlist_position": registration.waitlist_position,
        "price": registration.price,
        "history": registration.history,
        "receipts": signed_receipts(registration.uid),
    }


class RegistrationDocumentSchema(WireSchema):
    registration_id = fields.String(required=True, validate=validate.Length(equal=36))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    state = fields.Enum(RegistrationState, by_value=True, required=True)
    event = fields.Dict(required=True)
    waitlist_position = fields.Integer(allow_none=True, required=True)
    price = fields.Dict(required=True)
    history = fields.List(fields.Dict(), required=True)
    receipts = bounded_strings(receipts.PER_DOCUMENT, receipts.MAX_LENGTH, load_default=list)


CLOSED = (RegistrationState.CANCELLED, RegistrationState.ATTENDED, RegistrationState.MISSED)


def apply_document(registration: Registration, doc: dict) -> bool:
    """Make the home copy match ``doc``; False if it is not newer than what is held. Raises
    ``Contradiction`` for a document of another event, or one reopening a closed registration."""
    if doc["version"] <= registration.version:
        return False
    if doc["event"].get("uid") != registration.event_uid:
        raise Contradiction(f"The registration document is about another event than {registration.event_uid}.")
    if registration.version > 0 and registration.state in CLOSED and doc["state"] is not registration.state:
        raise Contradiction(f"The registration is {registration.state.value} and cannot become {doc['state'].value}.")
    registration.version, registration.state = doc["version"], doc["state"]
    registration.event, registration.waitlist_position = doc["event"], doc["waitlist_position"]
    registration.price, registration.history = doc["price"], doc["history"]
    return True
