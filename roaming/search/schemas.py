"""Search filters and results."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, pre_dump, validate, validates_schema

from roaming import reference
from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.schemas import BaseSchema, CountryField
from roaming.search.availability import MAX_DESKS_ASKED, CheckedDesk, Fit
from roaming.visits import calendar, horizon


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
    first_day = fields.Date(
        metadata={
            "description": "With last_day: desks only, each with its host's free seats for these days "
            f"(at most {MAX_DESKS_ASKED} desks are asked), ordered by what fits: free on every working day, "
            "then free on some (most first), then full, then unknown. From today to the visit horizon."
        }
    )
    last_day = fields.Date(metadata={"description": "The last day of the visit, with first_day"})
    people = fields.Integer(
        validate=validate.Range(min=1, max=50),
        metadata={"description": "How many people need a seat on each day, with first_day and last_day (1)"},
    )

    @validates_schema
    def _ordered_dates(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("date_to is before date_from.", "date_to")

    @validates_schema
    def _visit_dates(self, data, **_kwargs):
        """Both days or neither, in order, from today to the horizon, no longer than a visit; for
        desks only."""
        first, last = data.get("first_day"), data.get("last_day")
        if first is None and last is None:  # people alone changes nothing
            return
        if first is None or last is None:
            raise ValidationError("Give the first and the last day.", "last_day" if first else "first_day")
        if data.get("kind") not in (None, "desk"):
            raise ValidationError("Free days are known for desks only.", "kind")
        if last < first:
            raise ValidationError("The last day is before the first day.", "last_day")
        if (last - first).days >= calendar.MAX_SPAN_DAYS:
            raise ValidationError(f"A visit spans at most {calendar.MAX_SPAN_DAYS} days.", "last_day")
        horizon.check_planned(first, last)

    @post_load
    def _one_person_unless_said(self, data, **_kwargs):
        if data.get("first_day") and data.get("people") is None:
            data["people"] = 1
        return data


class PeerRefSchema(BaseSchema):
    node_id = fields.String()
    name = fields.String()
    country = fields.String(allow_none=True)
    base_url = fields.String()


class AvailabilitySchema(BaseSchema):
    fit = fields.Enum(Fit, by_value=True, metadata={"description": "free, partly, full or unknown"})
    free_days = fields.Integer(metadata={"description": "Working days with a seat for everyone"})
    working_days = fields.Integer(metadata={"description": "The host's working days from first_day to last_day"})
    reason = fields.String(allow_none=True, metadata={"description": "Why the fit is unknown"})


class SearchResultSchema(BaseSchema):
    kind = fields.String()
    uid = fields.String()
    country = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    item = fields.Dict(attribute="data", metadata={"description": "The item as its host publishes it"})
    host = fields.Nested(PeerRefSchema, attribute="peer")
    availability = fields.Nested(
        AvailabilitySchema,
        metadata={"description": "Only with first_day and last_day: the host's free seats for those days"},
    )

    @pre_dump
    def _with_availability(self, result, **_kwargs):
        """A desk checked for dates (``CheckedDesk``) is its item with the host's answer."""
        if not isinstance(result, CheckedDesk):
            return result
        item = result.item
        return {
            "kind": item.kind,
            "uid": item.uid,
            "country": item.country,
            "city": item.city,
            "data": item.data,
            "peer": item.peer,
            "availability": result.availability,
        }
