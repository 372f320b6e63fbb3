"""The staff's catalogue forms: which fields each kind shows, and the conversion between HTML form
values and the catalogue schemas' JSON. Validation stays in the schemas: a value that cannot be
converted is passed on as typed, so the schema's message names the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, NewsItem, Service

OMIT = object()


@dataclass(frozen=True)
class FormField:
    name: str
    label: object
    type: str = "text"  # text, textarea, int, float, url, email, list, bool, select, location, datetime, hours, money
    required: bool = False
    hint: object = None
    empty: object = None  # the value sent when left empty; OMIT: not sent (the schema's default)


RATE = (
    FormField(
        "member_rate_amount", _l("Member rate"), "money", hint=_l("For visitors beyond the free allowance; empty: none")
    ),
    FormField("member_rate_currency", _l("Currency"), hint=_l("Three letters, such as EUR")),
)
FORMS: dict[type, tuple[FormField, ...]] = {
    ClusterProfile: (
        FormField("name", _l("Name"), required=True),
        FormField("country", _l("Country"), required=True, hint=_l("Two letters, such as DE")),
        FormField("city", _l("City")),
        FormField("region", _l("Region")),
        FormField("website", _l("Website"), "url"),
        FormField("description", _l("Description"), "textarea"),
        FormField("sectors", _l("Sectors"), "list", hint=_l("Separated by commas")),
        FormField("languages", _l("Languages"), "list", hint=_l("Language codes separated by commas, such as en, de")),
        FormField("member_count", _l("Member companies"), "int"),
        FormField("visitor_contact_role", _l("Visitor contact (role)")),
        FormField("visitor_contact_email", _l("Visitor contact (e-mail)"), "email"),
    ),
    Location: (
        FormField("name", _l("Name"), required=True),
        FormField("address", _l("Street address"), required=True),
        FormField("postal_code", _l("Postal code")),
        FormField("city", _l("City"), required=True),
        FormField("country", _l("Country"), required=True, hint=_l("Two letters, such as DE")),
        FormField("timezone", _l("Time zone"), required=True, hint=_l("Such as Europe/Berlin")),
        FormField("latitude", _l("Latitude"), "float", hint=_l("For the map, such as 49.0069")),
        FormField("longitude", _l("Longitude"), "float"),
        FormField("opening_hours", _l("Opening hours"), "hours", hint=_l("One line per day: mon 09:00-18:00")),
        FormField("closed_days", _l("Closed days"), "list", hint=_l("Dates such as 2026-12-24, separated by commas")),
        FormField("description", _l("Description"), "textarea"),
    ),
    Desk: (
        FormField("name", _l("Name"), required=True),
        FormField("location_id", _l("Location"), "location", required=True),
        FormField("seats", _l("Seats"), "int", required=True),
        FormField("amenities", _l("Amenities"), "list", hint=_l("Separated by commas")),
        FormField("description", _l("Description"), "textarea"),
    ),
    MeetingRoom: (
        FormField("name", _l("Name"), required=True),
        FormField("location_id", _l("Location"), "location", required=True),
        FormField("capacity", _l("Capacity (people)"), "int", required=True),
        FormField("amenities", _l("Amenities"), "list", hint=_l("Separated by commas")),
        FormField("description", _l("Description"), "textarea"),
    ),
    Service: (
        FormField("name", _l("Name"), required=True),
        FormField("kind", _l("Kind"), "select", required=True),
        FormField("location_id", _l("Location"), "location"),
        FormField("description", _l("Description"), "textarea"),
        FormField("languages", _l("Languages"), "list", hint=_l("Language codes separated by commas")),
        FormField("free_under_agreement", _l("Free under the agreement"), "bool"),
        FormField("free_allowance", _l("What is free"), hint=_l("Such as: 2 hours per visit"), empty=""),
        *RATE,
        FormField("member_rate_unit", _l("Rate per"), "select"),
    ),
    Event: (
        FormField("title", _l("Title"), required=True),
        FormField("starts_at", _l("Starts"), "datetime", required=True),
        FormField("ends_at", _l("Ends"), "datetime", required=True),
        FormField("timezone", _l("Time zone"), hint=_l("Empty: the location's"), empty=OMIT),
        FormField("location_id", _l("Location"), "location"),
        FormField("online_url", _l("Online address"), "url"),
        FormField("languages", _l("Languages"), "list", hint=_l("Language codes separated by commas")),
        FormField("visitor_seats", _l("Seats for visitors"), "int"),
        *RATE,
        FormField("description", _l("Description"), "textarea"),
    ),
    NewsItem: (
        FormField("title", _l("Title"), required=True),
        FormField("body", _l("Text"), "textarea"),
        FormField("link", _l("Link"), "url"),
    ),
}


def to_data(model: type, form, locations: dict[int, Location]) -> dict:
    """The schema's input from the posted form: empty optional fields become null, lists are
    split at commas, money is turned into minor units, local times get their zone's offset."""
    data: dict = {}
    for spec in FORMS[model]:
        raw = (form.get(spec.name) or "").strip()
        if spec.type == "bool":
            data[spec.name] = form.get(spec.name) == "on"
        elif spec.type == "list":
            data[spec.name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif spec.type == "hours":
            data[spec.name] = _hours(raw)
        elif not raw:
            if not spec.required and spec.empty is not OMIT:
                data[spec.name] = "" if spec.type == "textarea" else spec.empty
        elif spec.type in ("int", "location"):
            data[spec.name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif spec.type == "float":
            data[spec.name] = _number(raw)
        elif spec.type == "money":
            data[spec.name] = _minor_units(raw)
        elif spec.type != "datetime":  # times wait for the location and zone, below
            data[spec.name] = raw
    for spec in FORMS[model]:
        if spec.type == "datetime" and (form.get(spec.name) or "").strip():
            data[spec.name] = _aware(
                form[spec.name].strip(), form.get("timezone"), locations.get(data.get("location_id"))
            )
    return data


def missing(model: type, form) -> dict[str, list[str]]:
    """Messages for the required fields left empty. An edit leaves out what is empty (the item
    keeps its value), so an emptied required field must be refused here rather than ignored."""
    return {
        spec.name: [_("Fill this in.")]
        for spec in FORMS[model]
        if spec.required and spec.type != "bool" and not (form.get(spec.name) or "").strip()
    }


def to_form(model: type, dumped: dict) -> dict:
    """Form values for an item as its schema dumps it."""
    values = {}
    for spec in FORMS[model]:
        value = dumped.get(spec.name)
        if value is None:
            values[spec.name] = ""
        elif spec.type == "list":
            values[spec.name] = ", ".join(value)
        elif spec.type == "hours":
            values[spec.name] = "\n".join(
                f"{day} " + ", ".join(f"{a}-{b}" for a, b in spans) for day, spans in value.items()
            )
        elif spec.type == "money":
            values[spec.name] = f"{Decimal(value) / 100:.2f}"
        elif spec.type == "datetime":
            values[spec.name] = str(value)[:16]
        else:
            values[spec.name] = value
    return values


def _number(raw: str):
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


def _minor_units(raw: str):
    try:
        return int(Decimal(raw.replace(",", ".")) * 100)
    except (InvalidOperation, ValueError):
        return raw


def _hours(raw: str) -> dict:
    """ "mon 09:00-12:00, 13:00-18:00" per line into the schema's shape; what does not parse is
    passed on so the schema names the day."""
    hours: dict = {}
    for line in raw.splitlines():
        day, _, spans = line.strip().partition(" ")
        if day:
            hours[day.lower()[:3]] = [span.strip().split("-", 1) for span in spans.split(",") if span.strip()]
    return hours


def _aware(raw: str, zone: str | None, location: Location | None):
    try:
        local = datetime.fromisoformat(raw)
        chosen = ZoneInfo((zone or "").strip() or (location.timezone if location else "UTC"))
    except (ValueError, KeyError):
        return raw
    return (local if local.tzinfo else local.replace(tzinfo=chosen)).isoformat()
