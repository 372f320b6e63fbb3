"""API and import schemas for member companies and people."""

from __future__ import annotations

from marshmallow import fields, post_load

from roaming import reference
from roaming.links import Link
from roaming.members.models import CompanyStatus
from roaming.schemas import BaseSchema, CountryField, email, text


class PersonSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    company_id = fields.Integer(dump_only=True)
    name = text(200, required=True)
    email = email(required=True)
    role = text(100, allow_none=True, metadata={"description": "Job title at the company"})
    language = fields.String(
        allow_none=True,
        validate=reference.validate_language,
        metadata={"description": "ISO 639-1 code of the language messages to them are written in"},
    )
    created_at = fields.AwareDateTime(dump_only=True)

    @post_load
    def _normalise_email(self, data, **_kwargs):
        if "email" in data:
            data["email"] = data["email"].strip().lower()
        return data


class CompanySchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = text(200, required=True)
    country = CountryField(required=True)
    sector = fields.String(allow_none=True, validate=reference.validate_sector)
    website = Link(allow_none=True)
    status = fields.Enum(CompanyStatus, by_value=True, load_default=CompanyStatus.ACTIVE)
    created_at = fields.AwareDateTime(dump_only=True)
    people_count = fields.Function(lambda company: len(company.people), dump_only=True)


class InvitationSchema(BaseSchema):
    email = fields.String(dump_only=True, metadata={"description": "Where the link was sent"})
    expires_at = fields.AwareDateTime(dump_only=True, metadata={"description": "The link works until then"})
