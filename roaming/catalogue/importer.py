"""Importing a catalogue: a JSON document with everything, or a CSV file of one kind.

JSON shape::

    {"cluster": {...profile...},
     "locations": [{"key": "hq", ...location..., "desks": [...], "rooms": [...]}],
     "services": [{..., "location": "hq"}], "events": [{..., "location": "hq"}], "news": [{...}]}

``key`` names a location within the file; services and events refer to it by ``location``.
In CSV files list cells are separated by ``;``, ``opening_hours`` and ``options`` are JSON, and
desks, rooms, services and events name their location by ``location`` (its name on this node).
"""

from __future__ import annotations

from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import select

from roaming.catalogue import operations as ops
from roaming.catalogue.models import (
    CATALOGUE_KINDS,
    ClusterProfile,
    Desk,
    Event,
    Location,
    MeetingRoom,
    NewsItem,
    Service,
)
from roaming.db import session
from roaming.importing import all_or_nothing, read_csv, read_json

CSV_LIST_FIELDS = ("sectors", "languages", "amenities", "closed_days")
CSV_JSON_FIELDS = ("opening_hours", "options")


def import_catalogue_file(path: Path, kind: str | None = None, progress=None) -> dict[str, int]:
    """Import a file; returns how many items of each kind were added. All or nothing."""
    if path.suffix.lower() == ".json":
        return import_catalogue_document(read_json(path), progress)
    if path.suffix.lower() == ".csv":
        if kind not in CATALOGUE_KINDS or kind == "cluster":
            raise ValueError("A CSV file holds one kind: give --kind location, desk, room, service or event.")
        records = read_csv(path, list_fields=CSV_LIST_FIELDS, json_fields=CSV_JSON_FIELDS)
        return _import_records(CATALOGUE_KINDS[kind], records, progress)
    raise ValueError(f"{path.name}: import files end in .json or .csv.")


def import_catalogue_document(document: dict, progress=None) -> dict[str, int]:
    counts = dict.fromkeys(("cluster", "location", "desk", "room", "service", "event", "news"), 0)
    with all_or_nothing() as problems:
        if not isinstance(document, dict):
            problems.add("document", "a JSON object with cluster, locations, services, events is expected")
            problems.raise_if_any()
        if "cluster" in document:
            _add(ClusterProfile, document["cluster"], "cluster", problems, counts, profile=True)
        keys: dict[str, Location | None] = {}
        for index, raw in enumerate(document.get("locations", [])):
            where = f"locations[{index}]"
            if not _is_object(raw, where, problems):
                continue
            raw = dict(raw)
            key, desks, rooms = raw.pop("key", None), raw.pop("desks", []), raw.pop("rooms", [])
            location = _add(Location, raw, where, problems, counts)
            if key:
                keys[key] = location
            for sub_index, desk in enumerate(desks):
                _add_at(Desk, desk, location, f"{where}.desks[{sub_index}]", problems, counts)
            for sub_index, room in enumerate(rooms):
                _add_at(MeetingRoom, room, location, f"{where}.rooms[{sub_index}]", problems, counts)
            _tick(progress)
        for model, section in ((Service, "services"), (Event, "events"), (NewsItem, "news")):
            for index, raw in enumerate(document.get(section, [])):
                where = f"{section}[{index}]"
                if not _is_object(raw, where, problems):
                    continue
                raw = dict(raw)
                key = raw.pop("location", None)
                if key is not None and key not in keys:
                    problems.add(where, f"location: no location with key '{key}' in this file")
                    continue
                _add_at(model, raw, keys.get(key), where, problems, counts, required=key is not None)
                _tick(progress)
    return {kind: count for kind, count in counts.items() if count}


def _import_records(model, records, progress) -> dict[str, int]:
    counts = {model.KIND: 0}
    with all_or_nothing() as problems:
        for where, record in records:
            if "location" in record:
                name = record.pop("location")
                location = session.scalar(select(Location).where(Location.name == name))
                if location is None:
                    problems.add(where, f"location: no location named '{name}' on this node")
                    continue
                record["location_id"] = location.id
            _add(model, record, where, problems, counts)
            _tick(progress)
    return counts


def _add_at(model, raw, location, where, problems, counts, required=True):
    """Add an item placed at ``location`` (skipped quietly when that location failed itself)."""
    if location is None and required:
        return None
    if location is not None:
        raw = {**raw, "location_id": location.id}
    return _add(model, raw, where, problems, counts)


def _add(model, raw, where, problems, counts, profile=False):
    try:
        data = ops.SCHEMAS[model]().load(raw)
        item = ops.save_profile_uncommitted(data) if profile else ops.add_item(model, data)
    except ValidationError as error:
        problems.add(where, error)
        return None
    counts[model.KIND] += 1
    return item


def _is_object(raw, where, problems) -> bool:
    if not isinstance(raw, dict):
        problems.add(where, "a JSON object is expected")
    return isinstance(raw, dict)


def _tick(progress) -> None:
    if progress is not None:
        progress.update(1)
