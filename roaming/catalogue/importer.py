"""Importing a catalogue: a JSON document with everything, or a CSV file of one kind.

JSON shape::

    {"cluster": {...profile...},
     "locations": [{"key": "hq", ...location..., "desks": [...], "rooms": [...]}],
     "services": [{..., "location": "hq"}], "events": [{..., "location": "hq"}], "news": [{...}]}

Services and events refer to a location of the file by its ``key`` (``location``). In CSV files
list cells are separated by ``;``, ``opening_hours`` and ``options`` are JSON, and desks, rooms,
services and events name their location by ``location``: its name (or key) on this node.

Importing is idempotent. Every item has a stable key: the ``key`` the file gives it, else its
natural key (``NATURAL_KEYS``: a location's name, a desk's or room's name at its location, a
service's kind and name, an event's title and start, a news item's title). An item the node
holds under that key (from an earlier import) is updated to what the file says, else the item
is added. The items an import manages that the file no longer has (of the kinds the file holds)
are reported, and removed only when asked (``remove_missing``). Items made by hand have no key
and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from marshmallow import ValidationError, fields
from sqlalchemy import select

from roaming.catalogue import operations as ops
from roaming.catalogue.changes import hold_catalogue
from roaming.catalogue.models import (
    CATALOGUE_KINDS,
    CatalogueItem,
    ClusterProfile,
    Desk,
    Event,
    Location,
    MeetingRoom,
    NewsItem,
    Service,
)
from roaming.db import session
from roaming.errors import DomainError
from roaming.importing import Outcome, Problems, all_or_nothing, read_csv, read_json, unknown_keys

CSV_LIST_FIELDS = ("sectors", "languages", "amenities", "closed_days")
CSV_JSON_FIELDS = ("opening_hours", "options")
CSV_KINDS = ("location", "desk", "room", "service", "event", "news")
SECTIONS = {"locations": Location, "services": Service, "events": Event, "news": NewsItem}
DOCUMENT_KEYS = ("cluster", *SECTIONS)
REMOVAL_ORDER = (Service, Event, NewsItem, Desk, MeetingRoom, Location)

NATURAL_KEYS = {
    Location: lambda data: data["name"],
    Desk: lambda data: data["name"],
    MeetingRoom: lambda data: data["name"],
    Service: lambda data: f"{data['kind']}: {data['name']}",
    Event: lambda data: f"{data['title']} @ {data['starts_at'].isoformat()}",
    NewsItem: lambda data: data["title"],
}
KEY_LENGTH = 200  # a key the file gives; natural keys may be longer (the column holds 300)
PLACED = (Desk, MeetingRoom)  # their keys are unique within their location


def file_fields(model: type[CatalogueItem]) -> list[str]:
    """The keys (JSON) or columns (CSV) a file gives an item of ``model``: the schema's fields
    with ``location`` (a key or name) for ``location_id``, and ``key``."""
    names = [name for name, field in ops.SCHEMAS[model]().fields.items() if not field.dump_only]
    names = ["location" if name == "location_id" else name for name in names]
    return names if model is ClusterProfile else ["key", *names]


def import_catalogue_file(
    path: Path, kind: str | None = None, progress=None, *, dry_run: bool = False, remove_missing: bool = False
) -> Outcome:
    """Import a file (all or nothing); returns what was added, changed and missing."""
    if path.suffix.lower() == ".json":
        outcome = Outcome(dry_run=dry_run, removed_missing=remove_missing)
        with all_or_nothing(outcome) as problems:
            _import_document(read_json(path), _Run(outcome, problems, progress))
        return outcome
    if path.suffix.lower() == ".csv":
        if kind not in CSV_KINDS:
            raise ValueError(f"{path.name}: a CSV file holds one kind of item: give --kind {', '.join(CSV_KINDS)}.")
        outcome = Outcome(dry_run=dry_run, removed_missing=remove_missing)
        with all_or_nothing(outcome) as problems:
            _import_csv(path, CATALOGUE_KINDS[kind], _Run(outcome, problems, progress))
        return outcome
    raise ValueError(f"{path.name}: import files end in .json or .csv.")


def import_catalogue_document(document: dict, progress=None, *, dry_run: bool = False) -> Outcome:
    """Import a catalogue document already read (the demo's data). All or nothing."""
    outcome = Outcome(dry_run=dry_run)
    with all_or_nothing(outcome) as problems:
        _import_document(document, _Run(outcome, problems, progress))
    return outcome


class _Run:
    """One import's state: the outcome, the problems, and the ids of the items the file named."""

    def __init__(self, outcome: Outcome, problems: Problems, progress):
        self.outcome, self.problems, self.progress = outcome, problems, progress
        self.seen: dict[type, set[int]] = {}
        self.keys: dict[tuple, str] = {}  # (model, scope, key) -> where it was first given
        hold_catalogue(session)

    def tick(self) -> None:
        if self.progress is not None:
            self.progress.update(1)


def _import_document(document, run: _Run) -> None:
    if not isinstance(document, dict):
        run.problems.add("document", "a JSON object with cluster, locations, services, events, news is expected")
        return
    for key in unknown_keys(document, DOCUMENT_KEYS):
        run.problems.add("document", f"unknown key '{key}'; a catalogue has {', '.join(DOCUMENT_KEYS)}")
    if "cluster" in document:
        _profile(document["cluster"], run)
    located: dict[str, Location | None] = {}  # the file's location keys -> the location (None: invalid)
    for index, raw in enumerate(_section(document, "locations", run)):
        where = f"locations[{index}]"
        if not _is_object(raw, where, run):
            continue
        raw = dict(raw)
        children = {model: raw.pop(name, []) for model, name in ((Desk, "desks"), (MeetingRoom, "rooms"))}
        location = _put(Location, raw, where, run)
        if raw.get("key") is not None:
            located[str(raw["key"])] = location
        for model, entries in children.items():
            name = "desks" if model is Desk else "rooms"
            if not isinstance(entries, list):
                run.problems.add(where, f"{name}: a list is expected")
                continue
            for sub_index, child in enumerate(entries):
                sub_where = f"{where}.{name}[{sub_index}]"
                if not _is_object(child, sub_where, run):
                    continue
                if "location" in child:
                    run.problems.add(sub_where, "location: Unknown field (it is at the location it is listed in).")
                    child = {key: value for key, value in child.items() if key != "location"}
                _put(model, child, sub_where, run, location=location, placed=True)
        run.tick()
    section_model: type[Any]
    for section, section_model in SECTIONS.items():
        if section_model is Location:
            continue
        for index, raw in enumerate(_section(document, section, run)):
            where = f"{section}[{index}]"
            if not _is_object(raw, where, run):
                continue
            raw, reference = dict(raw), raw.get("location")
            if reference is not None and str(reference) not in located:
                run.problems.add(where, f"location: no location with key '{reference}' in this file")
            _put(section_model, raw, where, run, location=located.get(str(reference)), placed=reference is not None)
            run.tick()
    managed = [model for section, model in SECTIONS.items() if section in document]
    if Location in managed:
        managed += [Desk, MeetingRoom]
    _missing(managed, run)


def _import_csv(path: Path, model: type[CatalogueItem], run: _Run) -> None:
    names = file_fields(model)
    schema_fields = ops.SCHEMAS[model]().fields
    integers = [name for name, field in schema_fields.items() if isinstance(field, fields.Integer)]
    required = [
        "location" if name == "location_id" else name
        for name, field in schema_fields.items()
        if field.required and not field.dump_only
    ]
    rows = read_csv(
        path,
        {name: name for name in names},
        run.problems,
        required=required,
        list_fields=CSV_LIST_FIELDS,
        json_fields=CSV_JSON_FIELDS,
        integer_fields=integers,
    )
    for row in rows:
        record, location, placed = row.record, None, "location" in row.record
        if placed:
            location = _location_named(record["location"])
            if location is None:
                run.problems.add(
                    row.where, f"{row.names['location']}: no location named '{record['location']}' on this node"
                )
        _put(model, record, row.where, run, location=location, placed=placed, names=row.names)
        run.tick()
    _missing([model], run)


def _location_named(reference: str) -> Location | None:
    """The location a CSV row names: by its name, else by its import key."""
    for column in (Location.name, Location.import_key):
        location = session.scalars(select(Location).where(column == reference).order_by(Location.id)).first()
        if location is not None:
            return location
    return None


def _put(model, raw, where, run: _Run, *, location=None, placed=False, names=None):
    """Check one item of the file and add it or update the one with its key; returns the item,
    or None when it has a problem. ``location``: where it is placed (None when its location has
    a problem: the item is still checked, without it)."""
    shown = {"location_id": (names or {}).get("location", "location"), **(names or {})}
    for unknown in unknown_keys(raw, file_fields(model)):
        run.problems.add(where, f"{unknown}: Unknown field.")
    record = {name: value for name, value in raw.items() if name in file_fields(model)}
    key: str | int | None = record.pop("key", None)
    record.pop("location", None)
    if key is not None and (not isinstance(key, str | int) or not str(key).strip() or len(str(key)) > KEY_LENGTH):
        run.problems.add(where, f"{shown.get('key', 'key')}: a text of 1 to {KEY_LENGTH} characters is expected.")
        key = None
    if location is not None:
        record["location_id"] = location.id
    try:
        data = ops.SCHEMAS[model]().load(record, partial=("location_id",) if placed and location is None else ())
    except ValidationError as error:
        run.problems.add(where, error, shown)
        _claim_key(model, key, error.valid_data if isinstance(error.valid_data, dict) else {}, location, where, run)
        return None
    if not _claim_key(model, key, data, location, where, run) or (placed and location is None):
        return None
    key = str(key) if key is not None else NATURAL_KEYS[model](data)
    try:
        item = _upsert(model, data, key, location, run.outcome)
    except ValidationError as error:
        run.problems.add(where, error, shown)
        return None
    except DomainError as error:
        run.problems.add(where, error.message)
        return None
    run.seen.setdefault(model, set()).add(item.id)
    return item


def _claim_key(model, key, data: Mapping, location, where: str, run: _Run) -> bool:
    """Note the item's key (given, else natural, when ``data`` holds what it is made of); False
    when an earlier item of the file has it (a problem)."""
    try:
        key = str(key) if key is not None else NATURAL_KEYS[model](data)
    except (KeyError, AttributeError):
        return True
    scope = (model, location.id if model in PLACED and location is not None else None, key)
    if scope in run.keys:
        run.problems.add(where, f"the key '{key}' is also that of {run.keys[scope]}")
        return False
    run.keys[scope] = where
    return True


def _upsert(model, data: dict, key: str, location, outcome: Outcome) -> CatalogueItem:
    query = select(model).where(model.import_key == key)
    if model in PLACED:
        query = query.where(model.location_id == location.id)
    item = session.scalars(query.order_by(model.id)).first()
    if item is None:
        item = ops.add_item(model, {**data, "import_key": key})
        outcome.add(model.KIND, key)
    elif _differs(item, data):
        ops.replace_item_uncommitted(item, data)
        outcome.change(model.KIND, key)
    else:
        outcome.keep(model.KIND)
    return item


def _differs(item: CatalogueItem, data: dict) -> bool:
    return any(getattr(item, name) != value for name, value in data.items())


def _profile(raw, run: _Run) -> None:
    if not _is_object(raw, "cluster", run):
        return
    try:
        data = ops.SCHEMAS[ClusterProfile]().load(raw)
    except ValidationError as error:
        run.problems.add("cluster", error)
        return
    current = session.scalar(select(ClusterProfile))
    if current is None:
        run.outcome.add("cluster", data["name"])
    elif _differs(current, data):
        run.outcome.change("cluster", data["name"])
    else:
        run.outcome.keep("cluster")
        return
    ops.save_profile_uncommitted(data)


def _missing(models: Iterable[type[Any]], run: _Run) -> None:
    """Report (and with ``removed_missing`` remove) the managed items of ``models`` the file did
    not name. Nothing is removed from a file with problems: the import is refused anyway."""
    chosen: list[type[Any]] = [model for model in REMOVAL_ORDER if model in models]
    for model in chosen:
        query = select(model).where(model.import_key.is_not(None), model.id.not_in(run.seen.get(model, set())))
        for item in session.scalars(query.order_by(model.id)).all():
            if model in PLACED and Location in models and _missing_itself(item.location, run):
                continue  # goes with its location, reported there
            run.outcome.miss(model.KIND, item.import_key)
            if run.outcome.removed_missing and not run.problems.items:
                try:
                    ops.remove_item_uncommitted(item)
                except DomainError as error:
                    run.problems.add(f"{model.KIND} '{item.import_key}'", f"cannot be removed: {error.message}")


def _missing_itself(location: Location, run: _Run) -> bool:
    return location.import_key is not None and location.id not in run.seen.get(Location, set())


def _section(document: dict, name: str, run: _Run) -> list:
    entries = document.get(name, [])
    if not isinstance(entries, list):
        run.problems.add(name, "a list is expected")
        return []
    return entries


def _is_object(raw, where, run: _Run) -> bool:
    if not isinstance(raw, dict):
        run.problems.add(where, "a JSON object is expected")
    return isinstance(raw, dict)
