"""Schemas for visits: what members and staff send and see, and the federation's visit messages."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from roaming.schemas import BaseSchema, WireSchema, text
from roaming.visits.calendar import MAX_SPAN_DAYS
from roaming.visits.models import DayStatus, VisitRole, VisitState

UID = validate.Regexp(r"[^\x00-\x1f\x7f]{36}\Z", error="A 36-character id (UUID) is expected.")  # no NUL


def service_options_field():
    return fields.Dict(
        keys=fields.String(validate=UID),
        values=fields.Dict(),
        load_default=dict,
        validate=validate.Length(max=20),
        metadata={"description": "Per service uid: the options chosen (see the service's request_options)"},
    )


def check_service_options(data: dict) -> None:
    """Options may only be given for services that are asked for."""
    stray = sorted(set(data.get("service_options") or {}) - set(data.get("services") or []))
    if stray:
        raise ValidationError(f"Options for services not asked for: {', '.join(stray)}.", "service_options")


class PlannedVisitSchema(BaseSchema):
    """What a visitor asks a host for."""

    host = fields.String(required=True, metadata={"description": "The host cluster's node id (see /api/peers)"})
    desk = fields.String(required=True, validate=UID, metadata={"description": "The desk's uid (from search)"})
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    people = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=50))
    services = fields.List(fields.String(validate=UID), load_default=list, validate=validate.Length(max=20))
    service_options = service_options_field()

    @validates_schema
    def _in_order(self, data, **_kwargs):
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            raise ValidationError("The last day is before the first day.", "last_day")
        check_service_options(data)


class VisitRequestSchema(PlannedVisitSchema):
    visit_id = fields.String(
        validate=UID,
        metadata={"description": "Your id for this request (UUID); sending it again never books twice"},
    )
    message = text(2000, load_default="", metadata={"description": "A note to the host"})


class DaySchema(BaseSchema):
    date = fields.Date(attribute="day")
    status = fields.Enum(DayStatus, by_value=True)


class PartnerSchema(BaseSchema):
    node_id = fields.String()
    name = fields.String()


class VisitSchema(BaseSchema):
    visit_id = fields.String(attribute="uid")
    role = fields.Enum(VisitRole, by_value=True, metadata={"description": "home: our member visits; host: we host"})
    partner = fields.Nested(PartnerSchema, attribute="peer", metadata={"description": "The other cluster"})
    state = fields.Enum(VisitState, by_value=True)
    version = fields.Integer()
    resource = fields.Dict(metadata={"description": "The desk and its location, as the host described them"})
    first_day = fields.Date(attribute="starts_on")
    last_day = fields.Date(attribute="ends_on")
    days = fields.List(fields.Nested(DaySchema))
    people = fields.Integer()
    services = fields.List(fields.Dict())
    message = fields.String()
    price = fields.Dict(metadata={"description": "currency, amount (minor units) and lines; amount 0 is free"})
    terms = fields.Dict()
    visitor = fields.Dict(metadata={"description": "What the host was told: name, e-mail, language, company"})
    deadline_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When an undecided request expires"})
    reason = fields.String(allow_none=True)
    history = fields.List(fields.Dict(), metadata={"description": "The host's record: at, state, by, note"})
    sent = fields.Function(
        lambda visit: visit.role is VisitRole.HOST or visit.sent_at is not None,
        metadata={"description": "Whether the host has the request (home side)"},
    )
    last_send_error = fields.String(allow_none=True)
    needs_attention_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "Home side: when the request was set aside after failing (staff retry or drop it)"},
    )
    created_at = fields.AwareDateTime()


class VisitListQuerySchema(BaseSchema):
    role = fields.Enum(VisitRole, by_value=True, metadata={"description": "Staff: host (default) or home"})
    state = fields.Enum(VisitState, by_value=True)


class CancelSchema(BaseSchema):
    days = fields.List(
        fields.Date(),
        validate=validate.Length(min=1, max=MAX_SPAN_DAYS, error="Name the days to cancel, or leave days out: all."),
        metadata={"description": "Only these days (at least one); all when omitted"},
    )
    reason = text(1000, load_default="", metadata={"description": "Required when the host cancels"})


class DeclineSchema(BaseSchema):
    reason = text(1000, required=True)


class QuoteSchema(BaseSchema):
    host = fields.Dict()
    terms = fields.Dict()
    working_days = fields.List(fields.String(), metadata={"description": "ISO dates"})
    free_days_per_visit = fields.Integer()
    free_days_used = fields.Integer()
    free_days_left = fields.Integer()
    visits_this_year = fields.Integer()
    visits_per_year = fields.Integer(allow_none=True)
    confirmation = fields.String(metadata={"description": "instant or approval"})
    price = fields.Dict()
    free_seats = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Free seats per working day (ISO date)"}
    )
    problems = fields.Dict(metadata={"description": "Why the visit cannot be made as planned, by field"})
    shared_with_host = fields.List(
        fields.String(), metadata={"description": "What the host will be told about the visitor, and nothing more"}
    )


class CalendarFeedSchema(BaseSchema):
    url = fields.String(metadata={"description": "Subscribe to it (webcal); keep it private"})
    webcal_url = fields.String()


# -- between nodes -------------------------------------------------------------------------------


class WireQuoteSchema(WireSchema):
    company_ref = fields.String(required=True, validate=validate.Length(min=8, max=64))
    desk = fields.String(required=True, validate=UID)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    people = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=50))
    services = fields.List(fields.String(validate=UID), load_default=list, validate=validate.Length(max=20))
    service_options = service_options_field()

    @validates_schema
    def _options_for_services(self, data, **_kwargs):
        check_service_options(data)


class WireRequestSchema(WireSchema):
    visit_id = fields.String(required=True, validate=UID)
    attestation = fields.String(required=True, validate=validate.Length(max=8000))
    desk = fields.String(required=True, validate=UID)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    people = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=50))
    services = fields.List(fields.String(validate=UID), load_default=list, validate=validate.Length(max=20))
    service_options = service_options_field()
    message = text(2000, load_default="")

    @validates_schema
    def _options_for_services(self, data, **_kwargs):
        check_service_options(data)


class WireCancelSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    days = fields.List(
        fields.Date(),
        allow_none=True,
        load_default=None,
        validate=validate.Length(min=1, max=MAX_SPAN_DAYS, error="Name at least one day, or send null: all."),
    )


class WireUpdateSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    visit = fields.Dict(required=True)
