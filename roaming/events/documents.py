"""The registration document: how the host tells the home node what a registration is now.

Sent in answer to every registration message and, through the outbox, after every change; the
home node applies only newer versions. It carries the host's signed receipts for the registration.
"""

from __future__ import annotations

from flask import current_app
from marshmallow import fields, validate

from roaming.catalogue.models import Event
from roaming.events.models import Registration, RegistrationState
from roaming.ledger.operations import tokens_for
from roaming.schemas import WireSchema


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
        "receipts": tokens_for(registration.uid),
    }


class RegistrationDocumentSchema(WireSchema):
    registration_id = fields.String(required=True, validate=validate.Length(equal=36))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    state = fields.Enum(RegistrationState, by_value=True, required=True)
    event = fields.Dict(required=True)
    waitlist_position = fields.Integer(allow_none=True, required=True)
    price = fields.Dict(required=True)
    history = fields.List(fields.Dict(), required=True)
    receipts = fields.List(fields.String(), load_default=list)


def apply_document(registration: Registration, doc: dict) -> bool:
    """Make the home copy match ``doc``; False if it is not newer than what is held."""
    if doc["version"] <= registration.version:
        return False
    registration.version, registration.state = doc["version"], doc["state"]
    registration.event, registration.waitlist_position = doc["event"], doc["waitlist_position"]
    registration.price, registration.history = doc["price"], doc["history"]
    return True
