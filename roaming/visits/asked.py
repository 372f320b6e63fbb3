"""What a visitor asked a host for, in words for the host's staff: each service with the options
chosen (named as the service's kind names them, a choice by its label, a date in the page's
language) and the free days the visit uses.

Only reads: the visit keeps what was asked as a snapshot, and the service's kind (when its plugin
is still enabled) supplies the words for the options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from marshmallow import fields, validate
from sqlalchemy import select

from roaming.catalogue.models import Service
from roaming.catalogue.service_kinds import kind_of, options_schema
from roaming.db import session
from roaming.visits.models import Visit


@dataclass(frozen=True)
class AskedService:
    """A service the visitor asked for: its name, kind and the options chosen as (label, value)."""

    name: str
    kind: str
    options: list[tuple[str, str]]


def services_asked(visit: Visit) -> list[AskedService]:
    """The visit's services, each with its chosen options in words, in the order asked."""
    return [
        AskedService(entry.get("name", ""), entry.get("kind", ""), _options_in_words(entry))
        for entry in visit.services or []
    ]


def free_days_used(visit: Visit) -> tuple[int, int]:
    """(free days the visit's booked days use, free days per visit under its terms)."""
    allowed = int((visit.terms or {}).get("free_days_per_visit", 0))
    return min(len(visit.booked_days()), allowed), allowed


def _options_in_words(entry: dict) -> list[tuple[str, str]]:
    chosen = entry.get("options") or {}
    described = _options_fields(entry)
    return [(_label(name, described.get(name)), _value(value, described.get(name))) for name, value in chosen.items()]


def _options_fields(entry: dict) -> dict[str, fields.Field]:
    """The fields of the service's options schema now, or nothing (its kind or the service gone)."""
    kind = kind_of(entry.get("kind", ""))
    service = session.scalar(select(Service).where(Service.uid == entry.get("uid")))
    if kind is None or service is None:
        return {}
    schema = options_schema(kind, service)
    return dict(schema.fields) if schema is not None else {}


def _label(name: str, field: fields.Field | None) -> str:
    title = field.metadata.get("title") if field is not None else None
    return str(title) if title else name.replace("_", " ").capitalize()


def _value(value, field: fields.Field | None) -> str:
    """A choice by its label, a date in the page's language, anything else as given."""
    if field is not None:
        for check in field.validators:
            if isinstance(check, validate.OneOf) and value in check.choices:
                labels = list(check.labels)
                return str(labels[list(check.choices).index(value)]) if labels else str(value)
        if isinstance(field, fields.Date) and isinstance(value, str):
            try:
                return format_date(date.fromisoformat(value), "medium")
            except ValueError:
                return value
    return str(value)
