"""Peers: pinning a partner's key (bilateral mode), listing, removing, and syncing catalogues."""

from __future__ import annotations

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError

from federation.client import DeliveryError, FederationClient
from roaming.db import ensure_nothing_uncommitted, savepoint, session, utcnow
from roaming.errors import Conflict, DomainError, NotFound
from roaming.identity.operations import key_ring, node_id
from roaming.logs import current_request_id
from roaming.peers import mirror
from roaming.peers.delivery import queue_status
from roaming.peers.discovery import discover
from roaming.peers.models import Peer, PeerKey, PeerStatus, TrustSource
from roaming.peers.schemas import FeedSchema
from roaming.peers.trust import resolver_for

PAGE_SIZE = 500


def client() -> FederationClient:
    """The node's federation client; it refuses to send while the session holds uncommitted
    writes (``roaming.db.ensure_nothing_uncommitted``)."""
    ring = key_ring()
    return FederationClient(ring.signing_key, request_id=current_request_id, before_send=_nothing_uncommitted)


def _nothing_uncommitted() -> None:
    ensure_nothing_uncommitted("A request to a partner node")


def list_peers() -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.name)))


def get_peer(node: str) -> Peer:
    """A peer by node id, base URL or exact name."""
    peer = session.scalar(select(Peer).where(Peer.node_id == node))
    if peer is None:
        matches = [p for p in list_peers() if p.base_url.rstrip("/") == node.rstrip("/") or p.name == node]
        peer = matches[0] if len(matches) == 1 else None
    if peer is None:
        raise NotFound(f"No peer {node}.")
    return peer


def add_pinned_peer(url: str, fingerprint: str) -> Peer:
    """Trust the node at ``url`` through the key whose RFC 7638 thumbprint is ``fingerprint``."""
    remote = discover(url)
    metadata = remote.metadata
    if metadata["node_id"] == node_id():
        raise DomainError("That is this node itself.")
    if fingerprint not in remote.keys:
        raise DomainError(f"The node at {url} does not publish a key with fingerprint {fingerprint}.")
    if session.scalar(select(Peer).where(Peer.node_id == metadata["node_id"])) is not None:
        raise Conflict(f"{metadata['name']} ({metadata['node_id']}) is a peer already.")
    peer = Peer(
        node_id=metadata["node_id"],
        name=metadata["name"],
        country=metadata.get("country"),
        base_url=metadata["base_url"],
        trust=TrustSource.PINNED,
        status=PeerStatus.ACTIVE,
    )
    peer.keys.append(PeerKey(key_id=fingerprint, jwk=remote.keys[fingerprint]))
    session.add(peer)
    session.flush()
    return peer


def remove_peer(peer: Peer) -> None:
    """Forget a peer, its keys and our mirror of its catalogue. Refused (``Conflict``, nothing
    changed) while visits or event registrations with it are on record here: they are the
    agreement's history, and their receipts the ledger's."""
    name = peer.name
    mirror.forget_peer(peer)
    session.delete(peer)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"{name} cannot be removed while visits or event registrations with it are on record here "
            "(the agreement's history); nothing was changed."
        ) from None


def request_sync(peer: Peer) -> None:
    """Note that the peer announced a change (the worker pulls it)."""
    peer.sync_requested_at = utcnow()
    session.flush()


def pull_catalogue(peer: Peer, progress=None) -> int:
    """Pull every change since the peer's cursor into our mirror; returns how many were applied.

    Each page commits with its cursor, so an interrupted sync resumes where it stopped. Pulls of
    one peer at once (the worker's and ``roaming sync``) apply each page once: a page is applied
    holding the peer's row, and dropped if another pull moved the cursor while it was fetched.
    """
    federation_client, applied = client(), 0
    try:
        while True:
            since = peer.sync_cursor
            url = f"{peer.base_url}/federation/catalogue/changes?since={since}&limit={PAGE_SIZE}"
            answer = federation_client.get(url, resolver_for(peer))
            try:
                feed = FeedSchema().load(answer.data)
            except ValidationError as error:
                raise DomainError(f"{peer.name} sent a malformed change feed: {error.normalized_messages()}") from None
            if not _hold_cursor(peer, since):
                continue
            for change in feed["changes"]:
                _apply_or_skip(peer, change)
            applied += len(feed["changes"])
            peer.sync_cursor = feed["cursor"]
            session.commit()
            if progress is not None:
                progress(len(feed["changes"]))
            if not feed["more"]:
                break
    except (DeliveryError, DomainError) as error:
        session.rollback()
        peer.last_sync_error = str(error)
        session.commit()
        raise
    peer.last_synced_at, peer.last_sync_error, peer.sync_requested_at = utcnow(), None, None
    session.commit()
    return applied


def _apply_or_skip(peer: Peer, change: dict) -> None:
    """Apply one change to the mirror; one that cannot be kept (a value its column cannot hold,
    say) is skipped with a warning, so it never stops the sync of the changes after it."""
    try:
        with savepoint():
            mirror.apply_change(peer, change)
    except (DataError, IntegrityError, ValueError, TypeError, AttributeError, OverflowError) as error:
        current_app.logger.warning(
            "Skipped change %s (%s %s) from %s: %s", change["seq"], change["kind"], change["uid"], peer.name, error
        )


def _hold_cursor(peer: Peer, since: int) -> bool:
    """Lock the peer's row until the next commit (a no-op update: a row lock on PostgreSQL, the
    write lock on SQLite) and re-read its cursor; False, with nothing held, if it is no longer
    ``since``."""
    session.execute(update(Peer).where(Peer.id == peer.id).values(sync_cursor=Peer.sync_cursor))
    session.refresh(peer, ["sync_cursor"])
    if peer.sync_cursor == since:
        return True
    session.commit()
    return False


def sync_and_delivery_status() -> list[dict]:
    """Per peer: its outbox (pending, delivered, failed) and whether our copy of its catalogue is
    stale (older than three sync intervals)."""
    stale_after = current_app.config["SYNC_INTERVAL_SECONDS"] * 3
    rows = []
    for queue in queue_status():
        synced = queue.peer.last_synced_at
        stale = synced is None or (utcnow() - synced).total_seconds() > stale_after
        rows.append(
            {
                "peer": queue.peer,
                "pending": queue.pending,
                "delivered": queue.delivered,
                "failed": queue.failed,
                "stale": stale,
            }
        )
    return rows
