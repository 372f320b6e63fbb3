"""What the network's public pages and the newsletter show. A node knows the clusters it
federates with (the registry and the mirrored profiles and locations) and the visits in its own
ledger; the coordinator knows the ledger of the whole federation, so its map shows every pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from roaming.catalogue.models import ClusterProfile, Location, NewsItem
from roaming.db import session, utcnow
from roaming.followup.models import Outcome
from roaming.followup.operations import case_studies
from roaming.identity.operations import node_id
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book
from roaming.members.models import Person
from roaming.notify import Message, Recipient
from roaming.notify.operations import queue
from roaming.peers.models import MirroredItem, Peer, PeerStatus


@dataclass
class Cluster:
    node_id: str
    name: str
    country: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    joined_at: datetime | None
    here: bool = False


@dataclass
class News:
    cluster: str
    title: str
    body: str
    link: str | None
    published_at: datetime


def book() -> Book:
    return Book.FEDERATION if current_app.config["COORDINATOR_ENABLED"] else Book.NODE


def member_clusters() -> list[Cluster]:
    """This node and its active partners, each placed at its first location with coordinates."""
    profile = session.scalar(select(ClusterProfile))
    home = session.scalar(select(Location).where(Location.latitude.isnot(None)).order_by(Location.id))
    clusters = [
        Cluster(
            node_id(),
            profile.name if profile else current_app.config["NODE_NAME"],
            profile.country if profile else current_app.config["NODE_COUNTRY"],
            home.city if home else (profile.city if profile else None),
            home.latitude if home else None,
            home.longitude if home else None,
            None,
            here=True,
        )
    ]
    peers = session.scalars(select(Peer).where(Peer.status == PeerStatus.ACTIVE).order_by(Peer.name)).all()
    mirrored = session.scalars(
        select(MirroredItem).where(MirroredItem.kind.in_(("cluster", "location"))).order_by(MirroredItem.id)
    ).all()
    for peer in peers:
        own = [row for row in mirrored if row.peer_id == peer.id]
        profile_data = next((row.data for row in own if row.kind == "cluster"), {})
        place = next((row.data for row in own if row.kind == "location" and row.data.get("latitude") is not None), {})
        clusters.append(
            Cluster(
                peer.node_id,
                profile_data.get("name") or peer.name,
                profile_data.get("country") or peer.country,
                place.get("city") or profile_data.get("city"),
                place.get("latitude"),
                place.get("longitude"),
                peer.joined_at or peer.added_at,
            )
        )
    return clusters


def connections() -> list[tuple[str, str, int]]:
    """(home, host, visits agreed) per pair of clusters, both directions added up."""
    pairs: dict[tuple[str, str], int] = {}
    for flow in ledger.flows(book()):
        key = tuple(sorted((flow.home, flow.host)))
        pairs[key] = pairs.get(key, 0) + max(flow.confirmed, flow.visits)
    return [(first, second, count) for (first, second), count in sorted(pairs.items()) if count]


def recently_joined(clusters: list[Cluster], limit: int = 5) -> list[Cluster]:
    joined = [cluster for cluster in clusters if cluster.joined_at is not None]
    return sorted(joined, key=lambda cluster: cluster.joined_at, reverse=True)[:limit]


def news(since: datetime) -> list[News]:
    """Our news and the partners' mirrored news published since ``since``, newest first."""
    names = ledger.node_names()
    found = [
        News(names[node_id()], item.title, item.body, item.link, item.published_at)
        for item in session.scalars(select(NewsItem).where(NewsItem.published_at >= since))
    ]
    rows = session.scalars(
        select(MirroredItem).join(Peer).where(MirroredItem.kind == NewsItem.KIND, Peer.status == PeerStatus.ACTIVE)
    )
    for row in rows:
        published = datetime.fromisoformat(row.data["published_at"]) if row.data.get("published_at") else None
        if published is not None and published >= since:
            found.append(
                News(row.peer.name, row.data["title"], row.data.get("body", ""), row.data.get("link"), published)
            )
    return sorted(found, key=lambda item: item.published_at, reverse=True)


def recent_case_studies(since: datetime) -> list[Outcome]:
    return [outcome for outcome in case_studies(book()) if outcome.answered_at >= since]


def digest_period(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def subscribe(person: Person, wanted: bool) -> None:
    person.newsletter = wanted
    session.flush()


def send_digest(days: int = 30) -> int:
    """Queue the "Cluster in focus" digest of the last ``days`` days for every person who asked
    for it, each in their own language; returns how many were queued (none when there is no news).
    Commits (a worker job)."""
    since = digest_period(days)
    items, studies = news(since), recent_case_studies(since)
    if not items and not studies:
        return 0
    names = ledger.node_names()
    count = 0
    for person in session.scalars(select(Person).where(Person.newsletter.is_(True)).order_by(Person.id)):
        language = person.language or "en"
        with force_locale(language):
            context = {"news": items, "studies": studies, "names": names, "person": person, "days": days}
            queue(
                Recipient(person.email, person.name, language),
                Message(
                    kind="newsletter",
                    subject=gettext("Cluster in focus: news from the federation"),
                    text=render_template("mail/newsletter.txt", **context),
                    html=render_template("mail/newsletter.html", **context),
                ),
            )
        count += 1
    session.commit()
    return count
