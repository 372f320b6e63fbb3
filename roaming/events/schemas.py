"""Schemas for event registrations: what members and staff send and see, and the wire messages."""

from __future__ import annotations

from marshmallow import fields, validate

from roaming.events.models import RegistrationState
from roaming.schemas import BaseSchema, WireSchema
from roaming.visits.models import VisitRole
from roaming.visits.schemas import UID, PartnerSchema


class RegistrationRequestSchema(BaseSchema):
    host = fields.String(required=True, metadata={"description": "The host cluster's node id"})
    event = fields.String(required=True, validate=UID, metadata={"description": "The event's uid (from search)"})
    registration_id = fields.String(
        validate=UID,
        metadata={"description": "Your id for this registration (UUID); sending it again never registers twice"},
    )


class RegistrationSchema(BaseSchema):
    registration_id = fields.String(attribute="uid")
    role = fields.Enum(VisitRole, by_value=True, metadata={"description": "home: our member; host: our event"})
    partner = fields.Nested(PartnerSchema, attribute="peer")
    state = fields.Enum(RegistrationState, by_value=True)
    version = fields.Integer()
    event = fields.Dict(metadata={"description": "The event as the host described it"})
    waitlist_position = fields.Integer(allow_none=True, metadata={"description": "Place on the waiting list"})
    price = fields.Dict(metadata={"description": "amount (minor units; 0 is free) and currency, at member rate"})
    history = fields.List(fields.Dict())
    visitor = fields.Dict(metadata={"description": "Who registered (name, e-mail, language, company)"})
    sent = fields.Function(
        lambda row: row.role is VisitRole.HOST or row.sent_at is not None,
        metadata={"description": "Whether the host has the registration (home side)"},
    )
    last_send_error = fields.String(allow_none=True)
    needs_attention_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "Home side: when it was set aside after failing (staff retry or drop it)"},
    )
    created_at = fields.AwareDateTime()


class RegistrationListQuerySchema(BaseSchema):
    role = fields.Enum(VisitRole, by_value=True, metadata={"description": "Staff: host (default) or home"})
    event = fields.String(validate=UID, metadata={"description": "Staff: registrations for one of our events"})


class WireRegistrationSchema(WireSchema):
    registration_id = fields.String(required=True, validate=UID)
    event = fields.String(required=True, validate=UID)
    attestation = fields.String(required=True, validate=validate.Length(max=8000))


class WireMessageSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))


class WireRegistrationUpdateSchema(WireMessageSchema):
    registration = fields.Dict(required=True)
