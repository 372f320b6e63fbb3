"""Search filters and results."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from roaming import reference
from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.schemas import BaseSchema, CountryField


class SearchQuerySchema(BaseSchema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words that must all appear"})
    kind = fields.String(validate=validate.OneOf(list(CATALOGUE_KINDS)))
    country = CountryField()
    city = fields.String(validate=validate.Length(max=100))
    service_kind = fields.String(validate=validate.Length(max=50))
    sector = fields.String(validate=reference.validate_sector)
    language = fields.String(validate=reference.validate_language)
    date_from = fields.Date(metadata={"description": "Events ending on or after this day"})
    date_to = fields.Date(metadata={"description": "Events starting on or before this day"})

    @validates_schema
    def _ordered_dates(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("date_to is before date_from.", "date_to")


class PeerRefSchema(BaseSchema):
    node_id = fields.String()
    name = fields.String()
    country = fields.String(allow_none=True)
    base_url = fields.String()


class SearchResultSchema(BaseSchema):
    kind = fields.String()
    uid = fields.String()
    country = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    item = fields.Dict(attribute="data", metadata={"description": "The item as its host publishes it"})
    host = fields.Nested(PeerRefSchema, attribute="peer")
