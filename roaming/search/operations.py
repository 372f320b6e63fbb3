"""Federation search: filters on denormalised columns of the mirror, plus word matching.

Results come from active peers only. Kind, country, service kind and dates use indexed columns;
free text, sectors and languages are LIKE matches, and the total and the ordering cover every
match, so broad queries cost more as the mirror grows (measured in docs/benchmarks.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from roaming.db import session
from roaming.errors import NotFound
from roaming.peers.models import MirroredItem, Peer, PeerStatus


def search(filters: dict, *, offset: int = 0, limit: int = 50) -> tuple[list[MirroredItem], int]:
    query = select(MirroredItem).join(Peer).where(Peer.status == PeerStatus.ACTIVE)
    if filters.get("kind"):
        query = query.where(MirroredItem.kind == filters["kind"])
    if filters.get("country"):
        query = query.where(MirroredItem.country == filters["country"])
    if filters.get("city"):
        query = query.where(func.lower(MirroredItem.city) == filters["city"].strip().lower())
    if filters.get("service_kind"):
        query = query.where(MirroredItem.service_kind == filters["service_kind"])
    if filters.get("sector"):
        query = query.where(MirroredItem.sectors.contains(f"|{filters['sector']}|", autoescape=True))
    if filters.get("language"):
        query = query.where(MirroredItem.languages.contains(f" {filters['language']} ", autoescape=True))
    for word in (filters.get("q") or "").lower().split():
        query = query.where(MirroredItem.search_text.contains(word, autoescape=True))
    if filters.get("date_from") or filters.get("date_to"):
        query = query.where(MirroredItem.kind == "event")
        if filters.get("date_from"):
            query = query.where(MirroredItem.ends_at >= _day_start(filters["date_from"]))
        if filters.get("date_to"):
            query = query.where(MirroredItem.starts_at < _day_start(filters["date_to"]) + timedelta(days=1))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(
        MirroredItem.starts_at.is_(None), MirroredItem.starts_at, Peer.name, MirroredItem.kind, MirroredItem.id
    )
    return session.scalars(ordered.offset(offset).limit(limit)).all(), total


def _day_start(day) -> datetime:
    """Midnight UTC; event times are compared in UTC (a day filter is a rough cut, off by at most
    the host's offset)."""
    return datetime.combine(day, time.min, UTC)


def partner(node_id: str) -> Peer:
    """An active partner cluster by node id; NotFound otherwise."""
    peer = session.scalar(select(Peer).where(Peer.node_id == node_id, Peer.status == PeerStatus.ACTIVE))
    if peer is None:
        raise NotFound(f"No partner cluster {node_id}.")
    return peer


def partner_items(peer: Peer) -> dict[str, list[MirroredItem]]:
    """Everything a partner publishes, by kind, events in date order."""
    grouped: dict[str, list[MirroredItem]] = {}
    rows = session.scalars(
        select(MirroredItem).where(MirroredItem.peer_id == peer.id).order_by(MirroredItem.starts_at, MirroredItem.id)
    )
    for row in rows:
        grouped.setdefault(row.kind, []).append(row)
    return grouped


def partner_item(peer: Peer, kind: str, uid: str) -> MirroredItem:
    row = session.scalar(
        select(MirroredItem).where(MirroredItem.peer_id == peer.id, MirroredItem.kind == kind, MirroredItem.uid == uid)
    )
    if row is None:
        raise NotFound(f"{peer.name} publishes no {kind} {uid}.")
    return row


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
