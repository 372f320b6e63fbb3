"""Form controls for what a host's service asks the visitor to choose (its ``request_options``
JSON Schema, as the host publishes it), and the choices read back from the submitted form.

Controls are named ``service_options.<service uid>.<option>``, the names the host gives its
problems, so an error lands beside its control. Only what the schema describes is read; values
are converted by the schema's types, and anything that does not convert is passed on as typed
for the host to name the problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

PREFIX = "service_options"
INTEGER = re.compile(r"-?\d{1,15}")
NUMBER = re.compile(r"-?\d{1,15}([.,]\d{1,15})?")
LONG_TEXT = 200  # longer strings get a text area


@dataclass
class Control:
    name: str  # the form field's name: service_options.<uid>.<option>
    label: str
    kind: str  # select, date, number, checkbox, text or textarea
    required: bool = False
    hint: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # select: (value, name)
    attrs: dict = field(default_factory=dict)  # min, max, step, maxlength
    default: object = None


def field_name(service_uid: str, option: str) -> str:
    return f"{PREFIX}.{service_uid}.{option}"


def controls(service_uid: str, schema: dict | None, first_day: date | None, last_day: date | None) -> list[Control]:
    """The controls for one service's ``request_options`` (None or no properties: none). Dates
    are bounded by the visit's first and last day when they are known. The schema is a partner's
    published data: whatever does not have the type JSON Schema gives it is ignored, never trusted."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    listed = schema.get("required")
    required = {option for option in listed if isinstance(option, str)} if isinstance(listed, list) else set()
    return [
        _control(field_name(service_uid, option), option, spec, option in required, first_day, last_day)
        for option, spec in schema["properties"].items()
        if isinstance(spec, dict)
    ]


def _control(name: str, option: str, spec: dict, required: bool, first: date | None, last: date | None) -> Control:
    control = Control(
        name=name,
        label=str(spec.get("title") or option.replace("_", " ").capitalize()),
        kind="text",
        required=required,
        hint=_text(spec.get("description")),
        default=spec.get("default") if _scalar(spec.get("default")) else None,
    )
    kind = spec.get("type")
    if isinstance(spec.get("enum"), list):
        labels = spec.get("x-enum-labels")
        names = labels if isinstance(labels, list) and len(labels) == len(spec["enum"]) else spec["enum"]
        control.kind = "select"
        control.choices = [(str(value), str(text)) for value, text in zip(spec["enum"], names, strict=True)]
    elif kind == "string" and spec.get("format") == "date":
        control.kind = "date"
        control.attrs = {"min": first.isoformat() if first else None, "max": last.isoformat() if last else None}
    elif kind in ("integer", "number"):
        control.kind = "number"
        step = 1 if kind == "integer" else "any"
        control.attrs = {"min": _number(spec.get("minimum")), "max": _number(spec.get("maximum")), "step": step}
    elif kind == "boolean":
        control.kind = "checkbox"
    elif kind == "string":
        length = spec.get("maxLength") if isinstance(spec.get("maxLength"), int) else None
        control.kind = "textarea" if isinstance(length, int) and length > LONG_TEXT else "text"
        control.attrs = {"maxlength": length}
    control.attrs = {key: value for key, value in control.attrs.items() if value is not None}
    return control


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _scalar(value) -> bool:
    return isinstance(value, str | int | float | bool)


def _number(value) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def chosen_options(form, services: list[str], schemas: dict[str, dict | None]) -> dict[str, dict]:
    """Per service asked for (``services``), the options filled in on ``form`` as its schema
    (``schemas``: uid -> request_options) types them; options left empty are left out."""
    options: dict[str, dict] = {}
    for uid in services:
        schema = schemas.get(uid)
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            continue
        given = {}
        for option, spec in properties.items():
            value = form.get(field_name(uid, option), "").strip()
            if value:
                given[option] = _typed(value, spec if isinstance(spec, dict) else {})
        if given:
            options[uid] = given
    return options


def _typed(value: str, spec: dict) -> object:
    kind = spec.get("type")
    if kind == "integer" and INTEGER.fullmatch(value):
        return int(value)
    if kind == "number" and NUMBER.fullmatch(value):
        return float(value.replace(",", "."))
    if kind == "boolean":
        return value in ("on", "true", "1")
    return value
