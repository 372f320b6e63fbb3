"""The service kinds a node knows: the agreement's core kinds (this module is the built-in
plugin ``core``) and those enabled plugins add, each with the schema of the options a visitor
chooses."""

from __future__ import annotations

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError, validate

from roaming.hookspecs import ServiceKind, hookimpl
from roaming.plugins import service_kinds

CORE_SERVICE_KINDS = (
    ServiceKind("desk", "A desk in a shared office"),
    ServiceKind("meeting_room", "A meeting or conference room"),
    ServiceKind("internet", "Internet access"),
    ServiceKind("introductions", "Introductions to the cluster management and members"),
    ServiceKind("matchmaking", "Matchmaking with local companies"),
    ServiceKind("market_briefing", "A briefing on the local market"),
)


@hookimpl(trylast=True)
def roaming_register_service_kinds():
    """The agreement's own service kinds (the built-in plugin ``core``)."""
    return list(CORE_SERVICE_KINDS)


def kind_of(name: str) -> ServiceKind | None:
    return service_kinds().get(name)


def validate_service_kind(value: str) -> None:
    if value not in service_kinds():
        known = ", ".join(sorted(service_kinds()))
        raise ValidationError(f"Unknown service kind '{value}'; known kinds: {known}.")


def options_schema(kind: ServiceKind, service) -> Schema | None:
    return kind.options(service) if kind.options else None


def options_json_schema(kind: ServiceKind, service) -> dict | None:
    """The options a visitor chooses for ``service``, as JSON Schema (published to partners). A
    choice whose values carry names (``OneOf(labels=...)``) lists them, in the same order, as
    ``x-enum-labels``, so a partner's form can show the names and send the values."""
    schema = options_schema(kind, service)
    if schema is None:
        return None
    described = _converter().schema2jsonschema(schema)
    described.setdefault("additionalProperties", False)
    return described


@cache
def _converter():
    plugin = MarshmallowPlugin()
    APISpec("service options", "1", "3.0.3", plugins=[plugin])
    plugin.converter.add_attribute_function(_choice_labels)
    return plugin.converter


def _choice_labels(_converter, field, **_kwargs) -> dict:
    """``x-enum-labels``: the names of a choice's values, when the field's ``OneOf`` has them."""
    for validator in field.validators:
        if isinstance(validator, validate.OneOf) and validator.labels:
            return {"x-enum-labels": [str(label) for label in validator.labels]}
    return {}
