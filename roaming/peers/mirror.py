"""Applying a peer's catalogue changes to our mirror of it, with columns to search by.

Items name their location by the peer's own id; a desk, room, service or event takes its city
and country from that mirrored location (or the peer's cluster profile), its languages from the
profile when it names none, and its place in search results from the cluster's name (the cluster's
sectors are searched on the profile's own row). When a location or the profile changes, the items
that copy from it follow. A link the partner sends that is not http, https or mailto is not kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, select

from roaming.catalogue.models import CATALOGUE_KINDS
from roaming.catalogue.operations import SCHEMAS
from roaming.db import session
from roaming.errors import NotFound
from roaming.links import Link, link_problem
from roaming.peers.models import MirroredItem, Peer, PeerStatus

TEXT_FIELDS = ("name", "title", "description", "body", "city", "address", "free_allowance")


def apply_change(peer: Peer, change: dict) -> None:
    if change["kind"] not in CATALOGUE_KINDS:
        return  # a kind from a newer version of the protocol: ignored, as the protocol says
    existing = session.scalar(
        select(MirroredItem).where(MirroredItem.peer_id == peer.id, MirroredItem.uid == change["uid"])
    )
    if change["deleted"]:
        if existing is not None:
            session.delete(existing)
        return
    if existing is not None and existing.change_seq >= change["seq"]:
        return  # an older copy than the one we hold
    if change["item"] is None:
        return  # neither deleted nor anything: nothing to keep
    row = existing or MirroredItem(peer=peer, uid=change["uid"])
    row.kind, row.change_seq, row.data = change["kind"], change["seq"], _safe_links(peer, change)
    session.add(row)
    session.flush()
    _fill_search_columns(peer, row)
    if row.kind in ("location", "cluster"):
        for dependent in _dependents(peer, row):
            _fill_search_columns(peer, dependent)


def _safe_links(peer: Peer, change: dict) -> dict:
    """The change's item with every link field (the ``Link`` fields of its kind's schema) that is
    not an http, https or mailto link set to None, and a warning logged for each (without the
    value, which may be anything): pages and e-mails showing the copy then show no script link,
    and the rest of the partner's item is kept."""
    item = dict(change["item"])
    for name, field in SCHEMAS[CATALOGUE_KINDS[change["kind"]]]().fields.items():
        if isinstance(field, Link) and item.get(name) is not None and link_problem(item[name]):
            item[name] = None
            current_app.logger.warning(
                "%s sent %s %s with %s that is not an http, https or mailto link; dropped from our copy.",
                peer.name,
                change["kind"],
                change["uid"],
                name,
            )
    return item


def forget_peer(peer: Peer) -> None:
    session.execute(delete(MirroredItem).where(MirroredItem.peer_id == peer.id))


def _fill_search_columns(peer: Peer, row: MirroredItem) -> None:
    """The search columns from the item's data, whatever a peer put there: a value of the wrong
    type counts as missing and a long one is cut to its column, so one odd item never stops a sync."""
    data = row.data
    place = data if row.kind in ("location", "cluster") else (_location(peer, data.get("location_id")) or {})
    profile = _profile(peer) or {}
    row.country = _country(place.get("country")) or _country(profile.get("country")) or peer.country
    row.city = _cut(place.get("city"), 100) or _cut(profile.get("city"), 100)
    row.city_key = city_key(row.city)
    row.service_kind = _cut(data.get("kind"), 50) if row.kind == "service" else None
    row.languages = _spaced(_texts(data.get("languages")) or _texts(profile.get("languages")))[:200]
    row.sectors = _spaced(_texts(data.get("sectors")), separator="|") if row.kind == "cluster" else ""
    row.search_text = " ".join(str(data.get(field) or "") for field in TEXT_FIELDS).lower()
    row.starts_at = _time(data.get("starts_at"))
    row.ends_at = _time(data.get("ends_at"))
    row.sort_key = sort_key(row.kind, row.starts_at, _text(profile.get("name")) or peer.name)


def city_key(city: str | None) -> str | None:
    """A city as compared by search: trimmed and case-folded ("Cork", " cork " -> "cork")."""
    return city.strip().casefold()[:100] if city else None


def sort_key(kind: str, starts_at: datetime | None, cluster_name: str) -> str:
    """Where an item comes in search results: dated items (events) first by start time, then the
    rest by cluster name and kind."""
    if starts_at is not None:
        return "0 " + starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return f"1 {cluster_name.casefold()[:90]} {kind}"


def _dependents(peer: Peer, row: MirroredItem) -> list[MirroredItem]:
    items = session.scalars(select(MirroredItem).where(MirroredItem.peer_id == peer.id, MirroredItem.id != row.id))
    if row.kind == "cluster":
        return list(items)
    return [item for item in items if item.data.get("location_id") == row.data.get("id")]


def _location(peer: Peer, location_id) -> dict | None:
    if location_id is None:
        return None
    for row in session.scalars(
        select(MirroredItem).where(MirroredItem.peer_id == peer.id, MirroredItem.kind == "location")
    ):
        if row.data.get("id") == location_id:
            return row.data
    return None


def _profile(peer: Peer) -> dict | None:
    row = session.scalar(select(MirroredItem).where(MirroredItem.peer_id == peer.id, MirroredItem.kind == "cluster"))
    return row.data if row else None


def _spaced(values: list[str], separator: str = " ") -> str:
    """``" de en "``: a value matches with LIKE '% de %' (or '|x|' for sectors)."""
    return separator + separator.join(values) + separator if values else ""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _cut(value: object, length: int) -> str | None:
    text = _text(value)
    return text[:length] if text else None


def _texts(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _country(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) == 2 else None


def _time(value: object) -> datetime | None:
    """A time with its offset, in UTC; None for anything else (no offset, not a time, a year at
    the calendar's edge that UTC cannot hold)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


# -- reading --------------------------------------------------------------------------------------


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
