"""Visitors' pages over the partners' catalogues: search with a list and a map, a partner
cluster's profile, a desk's availability calendar and a partner's event."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from marshmallow import ValidationError
from sqlalchemy import select

from roaming import reference
from roaming.accounts.security import current_user, require_page
from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.db import session
from roaming.drawing import MapView, Place, map_view
from roaming.errors import NotFound
from roaming.events.attending import my_registrations
from roaming.i18n import LANGUAGES, country_name, language_name, sector_name
from roaming.labels import ITEM_KINDS, SERVICE_KINDS, label
from roaming.peers.models import MirroredItem, Peer, PeerStatus
from roaming.search import operations as ops
from roaming.search.availability import MAX_DESKS_ASKED, Availability, free_desks
from roaming.search.schemas import SearchQuerySchema
from roaming.visits import seat_calendar

bp = Blueprint("search_pages", __name__)
PAGE_SIZE = 30


@bp.get("/search")
@require_page()
def search():
    """The federation's catalogues, desks first (until "What" is changed); with a first and a last
    day, the desks with their hosts' free seats for those days, best fit first."""
    form = {key: value for key, value in request.args.items() if value.strip() and key != "page"}
    if "kind" not in request.args:
        form["kind"] = "desk"
    errors: dict = {}
    results = ops.Results([], 0, True)
    availability: dict[int, Availability] = {}
    dated = False  # the desks were checked for dates
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    try:
        filters = SearchQuerySchema().load(form)
    except ValidationError as invalid:
        errors = invalid.normalized_messages()
    else:
        dated = bool(filters.get("first_day"))
        if dated:
            checked = free_desks(current_user(), filters)
            availability = {desk.item.id: desk.availability for desk in checked.desks}
            results = ops.Results([desk.item for desk in checked.desks], len(checked.desks), checked.complete)
            page = 1
        else:
            results = ops.search(filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    items = results.items
    places = ops.places_of({item.peer_id for item in items})
    return render_template(
        "search/search.html",
        form=form,
        paging=form | {"kind": form.get("kind", "")},  # "Anything" stays chosen on the next page
        errors=errors,
        items=items,
        total=results.total,
        exact=results.exact,
        page=page,
        pages=1 if dated else max(1, -(-results.total // PAGE_SIZE), 1 if results.exact else page + 1),
        places=places,
        place_of=ops.place_of,
        dated=dated,
        availability=availability,
        asked_at_most=MAX_DESKS_ASKED,
        map=_results_map(items, places),
        choices=_choices(),
    ), 422 if errors else 200


def _results_map(items: list[MirroredItem], places: dict) -> MapView | None:
    """The results' places, one dot each, linking to the first result there."""
    pins: dict[str, Place] = {}
    for item in items:
        place = ops.place_of(item, places)
        if place and place.get("latitude") is not None and place.get("longitude") is not None:
            key = f"{item.peer_id}:{place.get('id')}"
            pins.setdefault(
                key,
                Place(
                    key,
                    f"{place['name']} ({item.peer.name})",
                    place["latitude"],
                    place["longitude"],
                    url=f"#result-{item.id}",
                ),
            )
    return map_view(list(pins.values())) if pins else None


def _choices() -> dict:
    countries = session.scalars(
        select(MirroredItem.country).distinct().join(Peer).where(Peer.status == PeerStatus.ACTIVE)
    ).all()
    service_kinds = session.scalars(
        select(MirroredItem.service_kind).distinct().where(MirroredItem.service_kind.isnot(None))
    )
    profiles = session.scalars(select(MirroredItem.data).where(MirroredItem.kind == "cluster"))
    languages = set(LANGUAGES).union(*(profile.get("languages") or [] for profile in profiles))
    return {
        "kinds": [(kind, label(ITEM_KINDS, kind)) for kind in CATALOGUE_KINDS],
        "countries": sorted(((code, country_name(code)) for code in countries if code), key=lambda pair: pair[1]),
        "service_kinds": [(kind, label(SERVICE_KINDS, kind)) for kind in sorted(service_kinds)],
        "sectors": [(sector, sector_name(sector)) for sector in reference.SECTORS],
        "languages": sorted(((code, language_name(code)) for code in languages), key=lambda pair: pair[1]),
    }


def _partner(node_id: str) -> Peer:
    try:
        return ops.partner(node_id)
    except NotFound:
        abort(404)


def _item(peer: Peer, kind: str, uid: str) -> MirroredItem:
    try:
        return ops.partner_item(peer, kind, uid)
    except NotFound:
        abort(404)


@bp.get("/clusters/<node_id>")
@require_page()
def cluster(node_id: str):
    peer = _partner(node_id)
    items = ops.partner_items(peer)
    locations = {row.data.get("id"): row.data for row in items.get("location", [])}
    pins = [
        Place(str(uid), data["name"], data["latitude"], data["longitude"])
        for uid, data in locations.items()
        if data.get("latitude") is not None and data.get("longitude") is not None
    ]
    profile = items.get("cluster", [None])[0]
    return render_template(
        "search/cluster.html",
        peer=peer,
        profile=profile.data if profile else {},
        items=items,
        locations=locations,
        map=map_view(pins) if pins else None,
    )


@bp.get("/clusters/<node_id>/desks/<uid>")
@require_page()
def desk(node_id: str, uid: str):
    """The desk and, for a member, its free seats over the coming weeks as the host counts them:
    a free day picked (``first``) starts the choice, the next one leads to the request form with
    the first and the last day filled in."""
    peer = _partner(node_id)
    item = _item(peer, "desk", uid)
    first = _date_or_none(request.args.get("first"))
    calendar, user = None, current_user()
    if user is not None and user.person is not None:
        start = seat_calendar.week_start(request.args.get("from") or first)
        calendar = seat_calendar.seat_calendar(user, node_id, uid, start, first)
    place = ops.place_of(item, ops.places_of({peer.id}))
    return render_template(
        "search/desk.html", peer=peer, desk=item.data, place=place or {}, calendar=calendar, first=first
    )


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/clusters/<node_id>/events/<uid>")
@require_page()
def event(node_id: str, uid: str):
    peer = _partner(node_id)
    item = _item(peer, "event", uid)
    registration = None
    if current_user().person is not None:
        registration = next(
            (mine for mine in my_registrations(current_user()) if mine.event_uid == uid and mine.peer_id == peer.id),
            None,
        )
    place = ops.place_of(item, ops.places_of({peer.id}))
    return render_template(
        "search/event.html", peer=peer, event=item.data, place=place or {}, registration=registration
    )
