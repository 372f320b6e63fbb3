"""What a service kind publishes of its options: JSON Schema, with the names of a choice's values."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from roaming.catalogue.service_kinds import options_json_schema
from roaming.hookspecs import ServiceKind


class Options(Schema):
    machine = fields.String(required=True, validate=validate.OneOf(["m1", "m2"], labels=["Laser", "Lathe"]))
    colour = fields.String(validate=validate.OneOf(["red", "blue"]))


def test_a_choice_with_named_values_publishes_the_names_in_order():
    published = options_json_schema(ServiceKind("lab", "A lab", options=lambda _service: Options()), None)
    assert published["properties"]["machine"]["enum"] == ["m1", "m2"]
    assert published["properties"]["machine"]["x-enum-labels"] == ["Laser", "Lathe"]
    assert "x-enum-labels" not in published["properties"]["colour"]
    assert published["additionalProperties"] is False
