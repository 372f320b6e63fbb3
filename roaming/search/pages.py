"""Visitors' pages over the partners' catalogues: search with a list and a map, a partner
cluster's profile, a desk's availability calendar and a partner's event."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from marshmallow import ValidationError
from sqlalchemy import select

from roaming import reference
from roaming.accounts.security import current_user, require_page
from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.db import session
from roaming.drawing import Place, map_view
from roaming.errors import DomainError, NotFound
from roaming.events.attending import my_registrations
from roaming.i18n import LANGUAGES, country_name, language_name, sector_name
from roaming.labels import ITEM_KINDS, SERVICE_KINDS, label
from roaming.peers.models import MirroredItem, Peer, PeerStatus
from roaming.search import operations as ops
from roaming.search.schemas import SearchQuerySchema
from roaming.visits import horizon, visiting
from roaming.visits.quotes import flat_messages

bp = Blueprint("search_pages", __name__)
PAGE_SIZE = 30
CALENDAR_WEEKS = 4


@bp.get("/search")
@require_page()
def search():
    form = {key: value for key, value in request.args.items() if value.strip() and key != "page"}
    errors: dict = {}
    results = ops.Results([], 0, True)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    try:
        filters = SearchQuerySchema().load(form)
    except ValidationError as invalid:
        errors = invalid.normalized_messages()
    else:
        results = ops.search(filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    items = results.items
    places = ops.places_of({item.peer_id for item in items})
    pins = {}
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
    return render_template(
        "search/search.html",
        form=form,
        errors=errors,
        items=items,
        total=results.total,
        exact=results.exact,
        page=page,
        pages=max(1, -(-results.total // PAGE_SIZE), 1 if results.exact else page + 1),
        places=places,
        place_of=ops.place_of,
        map=map_view(list(pins.values())) if pins else None,
        choices=_choices(),
    ), 422 if errors else 200


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
        map=map_view(pins, width=480) if pins else None,
    )


@bp.get("/clusters/<node_id>/desks/<uid>")
@require_page()
def desk(node_id: str, uid: str):
    """The desk and, for a member, its free seats over the coming weeks as the host counts them."""
    peer = _partner(node_id)
    item = _item(peer, "desk", uid)
    start = _week_start(request.args.get("from"))
    weeks, problem = [], None
    if current_user().person is not None:
        try:
            quote = visiting.ask_quote(
                current_user(),
                {
                    "host": node_id,
                    "desk": uid,
                    "first_day": start,
                    "last_day": min(start + timedelta(weeks=CALENDAR_WEEKS, days=-1), _last_plannable()),
                    "people": 1,
                    "services": [],
                },
            )
        except DomainError as refused:
            problem = refused.message
        except ValidationError as refused:  # beyond the horizon: say why, by field
            problem = " ".join(message for _field, message in flat_messages(refused.messages))
        else:
            weeks = _calendar(start, quote.get("free_seats", {}))
    place = ops.place_of(item, ops.places_of({peer.id}))
    later = start + timedelta(weeks=CALENDAR_WEEKS)
    return render_template(
        "search/desk.html",
        peer=peer,
        desk=item.data,
        place=place or {},
        weeks=weeks,
        problem=problem,
        start=start,
        earlier=start - timedelta(weeks=CALENDAR_WEEKS),
        later=later if later <= _last_plannable() else None,
        today=date.today(),
    )


def _week_start(value: str | None) -> date:
    """The Monday of the week asked for, from this week to the horizon's."""
    today = date.today()
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        chosen = today
    chosen = min(max(chosen, today - timedelta(days=today.weekday())), _last_plannable())
    return chosen - timedelta(days=chosen.weekday())


def _last_plannable() -> date:
    return horizon.last_day(horizon.earliest_today())


def _calendar(start: date, free_seats: dict[str, int]) -> list[list[dict]]:
    """Weeks of days: each day with its free seats, or None when the host is closed."""
    weeks = []
    for week in range(CALENDAR_WEEKS):
        days = []
        for offset in range(7):
            day = start + timedelta(weeks=week, days=offset)
            seats = free_seats.get(day.isoformat())
            days.append({"day": day, "seats": seats, "past": day < date.today()})
        weeks.append(days)
    return weeks


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
