"""The service kinds a node knows: the agreement's core kinds (the built-in ``core`` plugin) and
those enabled plugins add, each with the schema of the options a visitor chooses."""

from __future__ import annotations

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError

from roaming.hookspecs import ServiceKind
from roaming.plugins import service_kinds


def kind_of(name: str) -> ServiceKind | None:
    return service_kinds().get(name)


def validate_service_kind(value: str) -> None:
    if value not in service_kinds():
        known = ", ".join(sorted(service_kinds()))
        raise ValidationError(f"Unknown service kind '{value}'; known kinds: {known}.")


def options_schema(kind: ServiceKind, service) -> Schema | None:
    return kind.options(service) if kind.options else None


def options_json_schema(kind: ServiceKind, service) -> dict | None:
    """The options a visitor chooses for ``service``, as JSON Schema (published to partners)."""
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
    return plugin.converter
