"""The schema of the agreement's terms (the registry's ``terms``, a node's ``[agreement_terms]``,
a partner's variation)."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from roaming.schemas import BaseSchema

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

_KIND = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def _service_kinds(values: list[str]) -> None:
    """Kind names only: federation-wide terms may name kinds that some nodes' plugins add."""
    bad = [value for value in values if not _KIND.match(value)]
    if bad:
        raise ValidationError(f"Not service kind names: {', '.join(bad)}.")


class TermsSchema(BaseSchema):
    free_days_per_visit = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Consecutive working days per visit free of charge (BRA: 5)"},
    )
    visits_per_company_per_year = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=366),
        metadata={"description": "Visits a member company may make to this host per calendar year; null: no limit"},
    )
    included_services = fields.List(
        fields.String(), validate=_service_kinds, metadata={"description": "Service kinds free within the free days"}
    )
    beyond_free_days = fields.String(
        validate=validate.OneOf(["member_rate", "refuse"]),
        metadata={"description": "Days beyond the free ones: charged at member rate, or refused"},
    )
    events_at_member_rate = fields.Boolean()
    desk_confirmation = fields.String(
        validate=validate.OneOf(["instant", "approval"]),
        metadata={"description": "instant: confirmed when a seat is free; approval: host staff decide"},
    )
    approval_deadline_hours = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=24 * 30),
        metadata={"description": "A request not decided within this many hours expires"},
    )
    cancellation_deadline_hours = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=24 * 30),
        metadata={"description": "A visitor may cancel a day until this many hours before it begins"},
    )
    checkin_by = fields.String(
        validate=validate.Regexp(_TIME, error="A time HH:MM is expected."),
        metadata={"description": "Local time by which a visitor checks in, or the day's seat is released"},
    )
    max_people = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))
