"""Federation search: filters on denormalised columns of the mirror, plus word matching.

Results come from active peers only, ordered by the mirror's ``sort_key``. Kind, country, city
and service kind each have an index in that order, so a page is found by walking one index and
stops once it is full. The total is counted the same way, up to ``COUNT_WINDOW`` matches past the
page asked for: a broad query costs about the same on a mirror of 2,500 items as on one of
50,000 (measured in docs/performance.md), and says "more than N" instead of an exact number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from roaming.db import session
from roaming.peers.mirror import city_key, partner, partner_item, partner_items  # noqa: F401 (search's API)
from roaming.peers.models import MirroredItem, Peer, PeerStatus

COUNT_WINDOW = 200


@dataclass(frozen=True)
class Results:
    """One page of matches. ``total`` is exact when ``exact``; otherwise there are more matches
    than ``total`` (it counts up to ``COUNT_WINDOW`` past the page)."""

    items: list[MirroredItem]
    total: int
    exact: bool


def search(filters: dict, *, offset: int = 0, limit: int = 50) -> Results:
    query = select(MirroredItem).join(Peer).where(Peer.status == PeerStatus.ACTIVE)
    if filters.get("kind"):
        query = query.where(MirroredItem.kind == filters["kind"])
    if filters.get("country"):
        query = query.where(MirroredItem.country == filters["country"])
    if filters.get("city"):
        query = query.where(MirroredItem.city_key == city_key(filters["city"]))
    if filters.get("service_kind"):
        query = query.where(MirroredItem.service_kind == filters["service_kind"])
    if filters.get("sector"):  # a cluster's sectors are its items' sectors: find the clusters first
        query = query.where(MirroredItem.peer_id.in_(_peers_in_sector(filters["sector"])))
    if filters.get("language"):
        query = query.where(MirroredItem.languages.contains(f" {filters['language']} ", autoescape=True))
    for word in (filters.get("q") or "").lower().split():
        query = query.where(MirroredItem.search_text.contains(word, autoescape=True))
    if filters.get("date_from") or filters.get("date_to"):
        query = query.where(MirroredItem.kind == "event")
        if filters.get("date_from"):
            query = query.where(MirroredItem.ends_at >= _day_start(filters["date_from"]))
        if filters.get("date_to") and filters["date_to"] < date.max:  # the calendar's last day ends no search
            query = query.where(MirroredItem.starts_at < _day_start(filters["date_to"] + timedelta(days=1)))
    ordered = query.order_by(MirroredItem.sort_key, MirroredItem.id)
    ahead = _count(ordered, offset, COUNT_WINDOW + 1)
    if ahead == 0 and offset:  # a page past the end: say how many there are
        return Results([], _count(ordered, 0, offset), True)
    items = session.scalars(ordered.offset(offset).limit(limit)).all()
    return Results(items, offset + min(ahead, COUNT_WINDOW), ahead <= COUNT_WINDOW)


def _peers_in_sector(sector: str) -> list[int]:
    profiles = select(MirroredItem.peer_id).where(
        MirroredItem.kind == "cluster", MirroredItem.sectors.contains(f"|{sector}|", autoescape=True)
    )
    return list(session.scalars(profiles))


def _count(ordered, offset: int, at_most: int) -> int:
    """Matches of ``ordered`` from ``offset`` on, counting no further than ``at_most``."""
    window = ordered.with_only_columns(MirroredItem.id).offset(offset).limit(at_most).subquery()
    return session.scalar(select(func.count()).select_from(window))


def _day_start(day) -> datetime:
    """Midnight UTC; event times are compared in UTC (a day filter is a rough cut, off by at most
    the host's offset)."""
    return datetime.combine(day, time.min, UTC)


def places_of(peer_ids: set[int]) -> dict[tuple[int, int], dict]:
    """Mirrored locations of these peers, keyed by (peer id, the host's location id)."""
    if not peer_ids:
        return {}
    rows = session.scalars(
        select(MirroredItem).where(MirroredItem.kind == "location", MirroredItem.peer_id.in_(peer_ids))
    )
    return {(row.peer_id, row.data.get("id")): row.data for row in rows}


def place_of(item: MirroredItem, places: dict[tuple[int, int], dict]) -> dict | None:
    """The location an item is at (a location is its own place)."""
    if item.kind == "location":
        return item.data
    return places.get((item.peer_id, item.data.get("location_id")))
