"""Controls from a service's ``request_options`` JSON Schema, and the choices read back typed."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from roaming.visits.option_controls import chosen_options, controls

SCHEMA = {
    "type": "object",
    "properties": {
        "equipment": {"type": "string", "enum": ["m1", "m2"], "x-enum-labels": ["Laser", "Lathe"], "description": "x"},
        "size": {"type": "integer", "enum": [1, 2]},
        "day": {"type": "string", "format": "date"},
        "start": {"type": "integer", "minimum": 9, "maximum": 17},
        "share": {"type": "number", "minimum": 0},
        "note": {"type": "string", "maxLength": 80, "title": "A note"},
        "brief": {"type": "string", "maxLength": 2000},
        "helmet": {"type": "boolean"},
    },
    "required": ["equipment", "day"],
}
MONDAY, TUESDAY = date(2031, 3, 3), date(2031, 3, 4)


def _by_option(found):
    return {control.name.rsplit(".", 1)[1]: control for control in found}


def test_each_json_schema_type_becomes_its_control_with_its_bounds():
    found = _by_option(controls("u1", SCHEMA, MONDAY, TUESDAY))
    assert found["equipment"].kind == "select" and found["equipment"].choices == [("m1", "Laser"), ("m2", "Lathe")]
    assert found["equipment"].required and found["equipment"].hint == "x"
    assert found["equipment"].name == "service_options.u1.equipment"
    assert found["size"].choices == [("1", "1"), ("2", "2")]  # values named by themselves
    assert found["day"].kind == "date" and found["day"].attrs == {"min": "2031-03-03", "max": "2031-03-04"}
    assert found["start"].kind == "number" and found["start"].attrs == {"min": 9, "max": 17, "step": 1}
    assert found["share"].attrs == {"min": 0, "step": "any"} and not found["share"].required
    assert (found["note"].kind, found["note"].label, found["note"].attrs) == ("text", "A note", {"maxlength": 80})
    assert found["brief"].kind == "textarea" and found["helmet"].kind == "checkbox"


def test_a_date_before_the_visits_days_are_known_is_unbounded():
    assert _by_option(controls("u1", SCHEMA, None, None))["day"].attrs == {}


def test_a_service_without_options_or_with_a_broken_schema_has_no_controls():
    assert controls("u1", None, None, None) == [] and controls("u1", {"properties": "x"}, None, None) == []


def test_the_options_come_back_typed_for_the_services_asked_for_only():
    form = MultiDict(
        {
            "service_options.u1.equipment": "m1",
            "service_options.u1.size": "2",
            "service_options.u1.start": " 10 ",
            "service_options.u1.share": "0,5",
            "service_options.u1.note": "",
            "service_options.u1.helmet": "true",
            "service_options.u1.unknown": "ignored",
            "service_options.u2.equipment": "m2",
        }
    )
    chosen = chosen_options(form, ["u1"], {"u1": SCHEMA, "u2": SCHEMA})
    assert chosen == {"u1": {"equipment": "m1", "size": 2, "start": 10, "share": 0.5, "helmet": True}}


def test_what_does_not_convert_is_passed_on_as_typed_for_the_host_to_name():
    chosen = chosen_options(MultiDict({"service_options.u1.start": "ten"}), ["u1"], {"u1": SCHEMA})
    assert chosen == {"u1": {"start": "ten"}}
    assert chosen_options(MultiDict({}), ["u1"], {"u1": SCHEMA}) == {}


def test_a_partners_schema_with_values_of_the_wrong_type_is_read_without_trusting_them():
    hostile = {
        "properties": {
            "start": {"type": "integer", "minimum": "9; drop", "maximum": True, "description": ["x"]},
            "note": {"type": "string", "maxLength": "80", "default": {"a": 1}},
        },
        "required": 5,
    }
    found = _by_option(controls("u1", hostile, MONDAY, TUESDAY))
    assert found["start"].attrs == {"step": 1} and found["start"].hint is None and not found["start"].required
    assert found["note"].attrs == {} and found["note"].default is None
    assert not _by_option(controls("u1", {**SCHEMA, "required": [["day"], "day"]}, None, None))["equipment"].required
