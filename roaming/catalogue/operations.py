"""Catalogue business logic: every change to the published catalogue goes through here.

Each function validates against the database (references, the location's time zone), changes
rows and commits; on any error nothing is written. Change numbers and tombstones are added by
``roaming.catalogue.changes`` at flush time.
"""

from __future__ import annotations

from blinker import Namespace
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from roaming.catalogue import schemas
from roaming.catalogue.changes import changes_since, last_change_number
from roaming.catalogue.models import (
    CatalogueItem,
    ClusterProfile,
    Desk,
    Event,
    Location,
    MeetingRoom,
    NewsItem,
    Service,
)
from roaming.db import lock_row, session
from roaming.errors import Conflict, NotFound
from roaming.plugins import call_guarded, is_core_kind, service_kinds
from roaming.schemas import merged_and_validated

SCHEMAS: dict[type[CatalogueItem], type[Schema]] = {
    ClusterProfile: schemas.ClusterProfileSchema,
    Location: schemas.LocationSchema,
    Desk: schemas.DeskSchema,
    MeetingRoom: schemas.MeetingRoomSchema,
    Service: schemas.ServiceSchema,
    Event: schemas.EventSchema,
    NewsItem: schemas.NewsItemSchema,
}
LABELS = {
    ClusterProfile: "cluster profile",
    Location: "location",
    Desk: "desk",
    MeetingRoom: "meeting room",
    Service: "service",
    Event: "event",
    NewsItem: "news item",
}


_signals = Namespace()
desk_shrinking = _signals.signal("desk-shrinking")
"""Sent before a desk is deleted or its seats are changed, with the desk (its row held against new
bookings until the change is committed) and ``seats``, the seats it is to have (0 when it is
deleted). A receiver refuses the change by raising ``Conflict`` (the visits refuse to lose a
booked seat: ``roaming.visits.seats``)."""


def list_items(model: type[CatalogueItem], *, offset: int = 0, limit: int | None = None, **filters):
    """``(items, total)``: one page of ``model`` rows in id order, with equality ``filters``."""
    query = select(model).filter_by(**{k: v for k, v in filters.items() if v is not None})
    if model is Service:
        query = query.where(Service.withdrawn.is_(False))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(query.order_by(model.id).offset(offset).limit(limit)).all()
    return items, total


def get_item(model: type[CatalogueItem], item_id: int) -> CatalogueItem:
    item = session.get(model, item_id)
    if item is None:
        raise NotFound(f"No {LABELS[model]} with id {item_id}.")
    if isinstance(item, Service) and item.withdrawn:
        raise NotFound(f"Service {item_id} is withdrawn: no enabled plugin provides its kind '{item.kind}'.")
    return item


def create_item(model: type[CatalogueItem], data: dict) -> CatalogueItem:
    """Create a row from data already loaded by the model's schema. Commits: a change of the
    catalogue holds the change counter's row until commit, and ``roaming_service_published`` is
    called after it."""
    item = add_item(model, data)
    session.commit()
    _published(item, is_new=True)
    return item


def add_item(model: type[CatalogueItem], data: dict) -> CatalogueItem:
    """Add a row to the session without committing (for imports that commit all or nothing)."""
    item = model()
    _apply(item, data)
    session.add(item)
    session.flush()
    return item


def update_item(item: CatalogueItem, patch: dict) -> CatalogueItem:
    """Apply a partial update given as raw (JSON) values; the merged result is validated whole.
    Commits, as ``create_item`` does."""
    data = merged_and_validated(SCHEMAS[type(item)], item, patch)
    if isinstance(item, Desk) and "seats" in patch:
        _shrinking(item, data["seats"])
    _apply(item, data)
    session.commit()
    _published(item, is_new=False)
    return item


def replace_item_uncommitted(item: CatalogueItem, data: dict) -> CatalogueItem:
    """Set an item to ``data`` loaded by its schema, without committing (for imports that commit
    all or nothing); a desk losing seats is checked as ``update_item`` checks it."""
    if isinstance(item, Desk) and data.get("seats", item.seats) < item.seats:
        _shrinking(item, data["seats"])
    _apply(item, data)
    session.flush()
    return item


def _published(item: CatalogueItem, is_new: bool) -> None:
    """Commits what the plugins' hooks wrote (they are called after the change's commit)."""
    if isinstance(item, Service):
        call_guarded("roaming_service_published", service=item, is_new=is_new)
        session.commit()


def reconcile_service_kinds() -> tuple[int, int]:
    """Withdraw the services whose kind no enabled plugin provides (partners see them deleted)
    and bring back those whose kind is offered again; returns (withdrawn, restored).

    Services of plugin kinds are published again too: partners may hold a copy rendered by a
    process that ran without the plugin (a service added from the command line before the
    restart), and must get the request options of the plugin that now runs. Commits (a worker job, once per start)."""
    known = set(service_kinds())
    withdrawn = restored = 0
    for service in session.scalars(select(Service)):
        missing = service.kind not in known
        if missing != service.withdrawn:
            service.withdrawn = missing
            withdrawn, restored = withdrawn + missing, restored + (not missing)
        elif not missing and not is_core_kind(service.kind):
            flag_modified(service, "options")  # a new change number: partners fetch it again
    session.commit()
    return withdrawn, restored


def delete_item(item: CatalogueItem) -> None:
    """Delete an item; a location takes its desks and rooms with it, but not services or events.
    Commits, as ``create_item`` does."""
    remove_item_uncommitted(item)
    session.commit()


def remove_item_uncommitted(item: CatalogueItem) -> None:
    """``delete_item`` without committing (for imports that commit all or nothing); raises
    ``Conflict`` as it does."""
    if isinstance(item, Location):
        _refuse_if_referenced(item)
        for desk in item.desks:
            _shrinking(desk, 0)
        for child in [*item.desks, *item.rooms]:
            session.delete(child)
    if isinstance(item, Desk):
        _shrinking(item, 0)
    session.delete(item)
    session.flush()


def change_feed(since: int, limit: int) -> dict:
    """Up to ``limit`` changes after ``since`` with the items as the API shows them (a
    ``ChangeFeedSchema`` document); ``cursor`` is where to read on, ``more`` whether to."""
    changes = changes_since(session, since, limit)
    cursor = changes[-1].seq if changes else since
    return {
        "changes": [
            {
                "seq": change.seq,
                "kind": change.kind,
                "uid": change.uid,
                "deleted": _unpublished(change.item),
                "item": None if _unpublished(change.item) else SCHEMAS[type(change.item)]().dump(change.item),
            }
            for change in changes
        ],
        "cursor": cursor,
        "more": cursor < last_change_number(session),
    }


def _unpublished(item: CatalogueItem | None) -> bool:
    return item is None or (isinstance(item, Service) and item.withdrawn)


def get_profile() -> ClusterProfile:
    profile = session.scalar(select(ClusterProfile))
    if profile is None:
        raise NotFound("This node has no cluster profile yet; PUT /api/cluster creates it.")
    return profile


def save_profile(data: dict) -> ClusterProfile:
    """Create or replace the node's single cluster profile. Commits, as ``create_item`` does."""
    profile = save_profile_uncommitted(data)
    session.commit()
    return profile


def save_profile_uncommitted(data: dict) -> ClusterProfile:
    profile = session.scalar(select(ClusterProfile)) or ClusterProfile()
    _apply(profile, data)
    session.add(profile)
    session.flush()
    return profile


def _apply(item: CatalogueItem, data: dict) -> None:
    """Set fields after checking references; fills an event's time zone from its location."""
    location = _referenced_location(data)
    if isinstance(item, Event) and not data.get("timezone"):
        if location is None:
            raise ValidationError("An online event needs its IANA time zone.", "timezone")
        data = {**data, "timezone": location.timezone}
    for key, value in data.items():
        setattr(item, key, value)


def _referenced_location(data: dict) -> Location | None:
    location_id = data.get("location_id")
    if location_id is None:
        return None
    location = session.get(Location, location_id)
    if location is None:
        raise ValidationError(f"No location with id {location_id}.", "location_id")
    return location


def _shrinking(desk: Desk, seats: int) -> None:
    lock_row(Desk, desk.id, against_references=True)
    desk_shrinking.send(desk, seats=seats)


def _refuse_if_referenced(location: Location) -> None:
    for model in (Service, Event):
        count = session.scalar(select(func.count()).select_from(model).where(model.location_id == location.id))
        if count:
            raise Conflict(f"Location {location.id} is used by {count} {LABELS[model]}(s); move or delete them first.")
