"""Schemas for memberships."""

from __future__ import annotations

from marshmallow import fields, validate

from roaming.coordinator.models import MembershipStatus
from roaming.schemas import BaseSchema, text


class MembershipSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    node_id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    country = fields.String(dump_only=True)
    base_url = fields.String(dump_only=True)
    status = fields.Enum(MembershipStatus, by_value=True, dump_only=True)
    key_ids = fields.Function(lambda m: [key["kid"] for key in m.jwks.get("keys", [])], dump_only=True)
    note = fields.String(dump_only=True)
    applied_at = fields.AwareDateTime(dump_only=True)
    reviewed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    admitted_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    suspended_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    removed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class ApplicationSchema(BaseSchema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    fingerprint = fields.String(required=True, validate=validate.Length(equal=43))
    note = text(2000, load_default="")


class StatusChangeSchema(BaseSchema):
    status = fields.Enum(MembershipStatus, by_value=True, required=True)
