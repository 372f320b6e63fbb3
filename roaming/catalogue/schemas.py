"""API and import schemas for the catalogue."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from roaming import reference
from roaming.catalogue.models import WEEKDAYS, ManagementLabel, RateUnit
from roaming.catalogue.service_kinds import kind_of, options_json_schema, validate_service_kind
from roaming.db import utcnow
from roaming.links import Link
from roaming.schemas import (
    BaseSchema,
    CountryField,
    ItemSchema,
    MemberRateMixin,
    email,
    language_list,
    row_id,
    text,
)

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _iso_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a date in the form YYYY-MM-DD.") from None


def _check_sectors(values: list[str]) -> None:
    for value in values:
        reference.validate_sector(value)


class ClusterProfileSchema(ItemSchema):
    name = text(200, required=True)
    legal_form = text(100, allow_none=True)
    country = CountryField(required=True)
    region = text(100, allow_none=True, metadata={"description": "NUTS code (e.g. DE12) or region name"})
    city = text(100, allow_none=True)
    sectors = fields.List(fields.String(), validate=_check_sectors, load_default=list)
    website = Link(allow_none=True)
    description = text(5000, load_default="")
    member_count = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    founding_year = fields.Integer(allow_none=True, validate=validate.Range(min=1800, max=2100))
    management_label = fields.Enum(ManagementLabel, by_value=True, load_default=ManagementLabel.NONE)
    languages = language_list(load_default=list)
    visitor_contact_role = text(100, allow_none=True, metadata={"description": "A role, not a person's name"})
    visitor_contact_email = email(allow_none=True)

    @validates_schema
    def _nuts_code_matches_country(self, data, partial=None, **_kwargs):
        region, country = data.get("region"), data.get("country")
        if region and country and reference.looks_like_nuts_code(region) and region[:2] != country:
            raise ValidationError(f"NUTS code {region} is not in country {country}.", "region")


class OpeningHoursField(fields.Dict):
    """``{"mon": [["09:00", "18:00"]], ...}``: each weekday's open intervals; missing day = closed."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        hours = super()._deserialize(value, attr, data, **kwargs)
        for day, intervals in hours.items():
            if not isinstance(intervals, list):
                raise ValidationError(f"{day}: a list of [open, close] pairs is expected.")
            for interval in intervals:
                if (
                    not isinstance(interval, list)
                    or len(interval) != 2
                    or not all(isinstance(t, str) and _TIME.match(t) for t in interval)
                ):
                    raise ValidationError(f'{day}: each interval is ["HH:MM", "HH:MM"].')
                if interval[0] >= interval[1]:
                    raise ValidationError(f"{day}: {interval[0]}-{interval[1]} closes before it opens.")
        return hours


class LocationSchema(ItemSchema):
    name = text(200, required=True)
    address = text(300, required=True)
    postal_code = text(20, allow_none=True)
    city = text(100, required=True)
    country = CountryField(required=True)
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    timezone = fields.String(required=True, validate=reference.validate_time_zone)
    opening_hours = OpeningHoursField(load_default=dict)
    closed_days = fields.List(fields.String(validate=_iso_date), load_default=list)
    description = text(5000, load_default="")

    @validates_schema
    def _coordinates_come_in_pairs(self, data, partial=None, **_kwargs):
        if not partial and (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("Give latitude and longitude together.", "longitude")


class _ResourceSchema(ItemSchema):
    location_id = row_id(required=True)
    name = text(200, required=True)
    amenities = fields.List(text(100), load_default=list)
    description = text(5000, load_default="")


class DeskSchema(_ResourceSchema):
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))


class MeetingRoomSchema(_ResourceSchema):
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))


class ServiceSchema(MemberRateMixin, ItemSchema):
    kind = fields.String(required=True, metadata={"description": "GET /api/reference/service-kinds lists them"})
    name = text(200, required=True)
    description = text(5000, load_default="")
    languages = language_list(load_default=list)
    location_id = row_id(allow_none=True)
    free_under_agreement = fields.Boolean(load_default=True)
    free_allowance = text(300, load_default="", metadata={"description": "What the agreement makes free"})
    member_rate_unit = fields.Enum(RateUnit, by_value=True, allow_none=True)
    options = fields.Dict(load_default=dict, metadata={"description": "The host's own notes on the service"})
    kind_label = fields.Method("_kind_label", dump_only=True)
    request_options = fields.Method(
        "_request_options",
        dump_only=True,
        metadata={"description": "JSON Schema of what a visitor chooses when requesting it (null: nothing)"},
    )

    @validates("kind")
    def _known_kind(self, value, **_kwargs):
        validate_service_kind(value)

    def _kind_label(self, service) -> str | None:
        kind = kind_of(service.kind)
        return kind.label if kind else None

    def _request_options(self, service) -> dict | None:
        kind = kind_of(service.kind)
        return options_json_schema(kind, service) if kind else None


class LocalDateTime(fields.AwareDateTime):
    """Accepts any offset; shows the time in the item's own ``timezone`` (stored in UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        zone = obj.get("timezone") if isinstance(obj, dict) else getattr(obj, "timezone", None)
        if value is not None and zone:
            value = value.astimezone(ZoneInfo(zone))
        return super()._serialize(value, attr, obj, **kwargs)


class EventSchema(MemberRateMixin, ItemSchema):
    title = text(200, required=True)
    description = text(5000, load_default="")
    starts_at = LocalDateTime(required=True, metadata={"description": "Shown in the event's time zone"})
    ends_at = LocalDateTime(required=True)
    timezone = fields.String(
        validate=reference.validate_time_zone,
        metadata={"description": "IANA zone; defaults to the location's"},
    )
    location_id = row_id(allow_none=True)
    online_url = Link(allow_none=True)
    languages = language_list(load_default=list)
    visitor_seats = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))

    @validates("starts_at", "ends_at")
    def _near_enough(self, value, data_key, **_kwargs):
        """Within the planning horizon of today, either way (an event years away, or at the
        calendar's edge, is a typing error; every date computed from it must stay in the calendar)."""
        today, days = utcnow().date(), current_app.config["VISIT_HORIZON_DAYS"]
        if abs((value.date() - today).days) > days:  # its own date: no conversion that could overflow
            raise ValidationError(f"Events are published for times within {days} days of today.", data_key)

    @validates_schema
    def _coherent(self, data, partial=None, **_kwargs):
        if partial:
            return
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("The event must end after it starts.", "ends_at")
        if data.get("location_id") is None and not data.get("online_url"):
            raise ValidationError("Give a location_id or an online_url.", "location_id")


class ChangeSchema(BaseSchema):
    seq = fields.Integer()
    kind = fields.String()
    uid = fields.String()
    deleted = fields.Boolean()
    item = fields.Dict(allow_none=True)


class ChangeFeedSchema(BaseSchema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.Integer(metadata={"description": "Pass as `since` to read on"})
    more = fields.Boolean()


class ChangeQuerySchema(BaseSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class NewsItemSchema(ItemSchema):
    title = text(200, required=True)
    body = text(5000, load_default="")
    link = Link(allow_none=True)
    published_at = fields.AwareDateTime(dump_only=True)


class SectorsSchema(BaseSchema):
    sectoral_industries = fields.List(fields.String())
    emerging_industries = fields.List(fields.String())


class ServiceKindSchema(BaseSchema):
    kind = fields.String(metadata={"description": "The kind's name, as in a service's `kind`"})
    label = fields.String()


class ServiceKindsSchema(BaseSchema):
    service_kinds = fields.List(fields.Nested(ServiceKindSchema))
