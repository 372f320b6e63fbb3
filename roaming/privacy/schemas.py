"""Schemas for personal data: exports, erasures, the audit trail, and partners' erasure messages."""

from __future__ import annotations

from marshmallow import fields, validate

from roaming.schemas import BaseSchema, WireSchema


class ErasureSchema(BaseSchema):
    confirm = fields.String(
        required=True,
        validate=validate.Equal("erase", error='Type "erase" to confirm: this cannot be undone.'),
        metadata={"description": 'The word "erase"'},
    )


class ErasureReportSchema(BaseSchema):
    visits_anonymised = fields.Integer()
    registrations_anonymised = fields.Integer()
    surveys_anonymised = fields.Integer()
    emails_deleted = fields.Integer()
    partners_told = fields.Integer(metadata={"description": "Partner clusters asked to erase their copies"})


class PersonDataSchema(BaseSchema):
    exported_at = fields.String()
    node = fields.String()
    person = fields.Dict()
    company = fields.Dict()
    account = fields.Dict(allow_none=True)
    calendar_feed = fields.Boolean(metadata={"description": "Whether a personal calendar feed exists"})
    visits = fields.List(fields.Dict())
    event_registrations = fields.List(fields.Dict())
    surveys = fields.List(fields.Dict())
    emails = fields.List(fields.Dict(), metadata={"description": "E-mails sent or queued to you"})
    audit = fields.List(fields.Dict(), metadata={"description": "Who read or changed your data"})


class AuditEntrySchema(BaseSchema):
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    subject = fields.String()
    detail = fields.Dict()


class AuditQuerySchema(BaseSchema):
    subject = fields.String(validate=validate.Length(max=100), metadata={"description": 'e.g. "person:12"'})


# -- between nodes -------------------------------------------------------------------------------

IDS = fields.List(
    fields.String(validate=validate.Length(equal=36)), load_default=list, validate=validate.Length(max=1000)
)


class ErasureMessageSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    visits = IDS
    registrations = IDS
    surveys = IDS
