"""Marshmallow building blocks shared by the domain schemas."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from roaming import reference
from roaming.db import MAX_ID


class BaseSchema(Schema):
    """Unknown fields are refused (marshmallow's default), each with the field's name."""

    class Meta:
        ordered = True


class WireSchema(BaseSchema):
    """A message or document from another node: fields this node does not know are left out, not
    refused, so a newer node may add fields and older nodes keep working with it (docs/protocol.md,
    section 1). Fields it knows are checked as strictly as any input."""

    class Meta(BaseSchema.Meta):
        unknown = EXCLUDE


class CountryField(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=reference.validate_country, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def language_list(**kwargs) -> fields.List:
    return fields.List(fields.String(validate=reference.validate_language), **kwargs)


def no_control_characters(value: str) -> None:
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValidationError("Must not contain control characters.")


def text(max_length: int, *, blank: bool | None = None, **kwargs) -> fields.String:
    """A string of at most ``max_length`` characters, without control characters (NUL breaks
    PostgreSQL). ``blank``: whether "" is accepted (default: only when the field is optional)."""
    checks = [validate.Length(max=max_length), no_control_characters]
    if not (blank if blank is not None else not kwargs.get("required")):
        checks.append(validate.Length(min=1, error="Must not be blank."))
    return fields.String(validate=checks, **kwargs)


def bounded_strings(max_items: int, max_length: int, **kwargs) -> fields.List:
    """A list of at most ``max_items`` strings of at most ``max_length`` characters each."""
    return fields.List(
        fields.String(validate=validate.Length(max=max_length)), validate=validate.Length(max=max_items), **kwargs
    )


def row_id(**kwargs) -> fields.Integer:
    """The id of a row this node holds: a positive integer a database can store (a larger one
    is refused by name instead of overflowing the driver)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def email(**kwargs) -> fields.Email:
    return fields.Email(validate=validate.Length(max=254), **kwargs)


class ItemSchema(BaseSchema):
    """Fields every catalogue item shows and nobody writes."""

    id = fields.Integer(dump_only=True)
    uid = fields.String(dump_only=True, metadata={"description": "Federation-wide identifier"})
    change_seq = fields.Integer(dump_only=True, metadata={"description": "Number of the item's last change"})
    updated_at = fields.AwareDateTime(dump_only=True)


class MemberRateMixin(Schema):
    """A price at the host's member rate, in integer minor units (cents), never a float."""

    member_rate_amount = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "Member-rate price in minor units (e.g. cents); null when free"},
    )
    member_rate_currency = fields.String(allow_none=True, validate=reference.validate_currency)

    @validates_schema
    def _currency_goes_with_amount(self, data, partial=None, **_kwargs):
        if not partial and data.get("member_rate_amount") is not None and not data.get("member_rate_currency"):
            raise ValidationError("A price needs its ISO 4217 currency.", "member_rate_currency")


class ErrorSchema(BaseSchema):
    """The body of every error response."""

    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict(metadata={"description": "Per-location (json, query) and per-field messages"})


def merged_and_validated(schema_class: type[Schema], item: object, patch: dict) -> dict:
    """The item's current values overlaid with ``patch``, loaded through the full schema."""
    schema = schema_class()
    current = schema.dump(item)
    for name, field in schema.fields.items():
        if field.dump_only:
            current.pop(name, None)
    current.update(patch)
    return schema.load(current)
