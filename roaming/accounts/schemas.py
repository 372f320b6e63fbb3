"""Schemas for accounts, tokens and logins."""

from __future__ import annotations

from marshmallow import fields, validate

from roaming.accounts.models import Role, TokenScope
from roaming.schemas import BaseSchema, email, row_id, text

MIN_PASSWORD_LENGTH = 10


def password(**kwargs) -> fields.String:
    return fields.String(
        load_only=True,
        validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=200, error="Use {min} to {max} characters."),
        **kwargs,
    )


class UserSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    email = email(required=True)
    name = text(200, required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    person_id = row_id(allow_none=True, metadata={"description": "Required for role member"})
    company_id = fields.Integer(dump_only=True, allow_none=True)
    active = fields.Boolean(load_default=True)
    password = password(metadata={"description": "Omit for single sign-on only"})
    created_at = fields.AwareDateTime(dump_only=True)
    last_login_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class SessionSchema(BaseSchema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on unsafe requests"})


class UserUpdateSchema(BaseSchema):
    name = text(200, blank=False)
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    password = password()


class MeUpdateSchema(BaseSchema):
    name = text(200, blank=False)
    current_password = fields.String(load_only=True)
    new_password = password()


class LoginSchema(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class TokenSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = text(100, required=True)
    prefix = fields.String(dump_only=True, metadata={"description": "First characters, to recognise it"})
    days = fields.Integer(
        load_only=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Lifetime in days (default from the node's settings)"},
    )
    scope = fields.Enum(
        TokenScope,
        by_value=True,
        load_default=TokenScope.WRITE,
        metadata={"description": "read: GET requests only; write: all its user may do"},
    )
    keep_on_password_change = fields.Boolean(
        load_default=False,
        metadata={"description": "Keep working when its user's password changes (by default it ends)"},
    )
    made_with = fields.Integer(
        attribute="parent_id",
        dump_only=True,
        allow_none=True,
        metadata={"description": "The id of the API token it was made with; it ends when that one is revoked"},
    )
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; store it now"})
