"""Peers: pinning a partner's key (bilateral mode), listing, removing, and syncing catalogues."""

from __future__ import annotations

from urllib.parse import urlparse

import requests
from marshmallow import ValidationError
from sqlalchemy import select

from federation.client import DeliveryError, FederationClient
from roaming.db import session, utcnow
from roaming.errors import Conflict, DomainError, NotFound
from roaming.identity.operations import key_ring, node_id
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerKey, PeerStatus, TrustSource
from roaming.peers.schemas import FeedSchema, NodeMetadataInSchema
from roaming.peers.trust import resolver_for, thumbprint

FETCH_TIMEOUT = (5, 15)
PAGE_SIZE = 500


class PeerUnreachable(DomainError):
    status = 502


def client() -> FederationClient:
    ring = key_ring()
    return FederationClient(ring.signing_key)


def list_peers() -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.name)))


def get_peer(node: str) -> Peer:
    """A peer by node id, or by the start of its base URL or name."""
    peer = session.scalar(select(Peer).where(Peer.node_id == node))
    if peer is None:
        matches = [p for p in list_peers() if p.base_url.rstrip("/") == node.rstrip("/") or p.name == node]
        peer = matches[0] if len(matches) == 1 else None
    if peer is None:
        raise NotFound(f"No peer {node}.")
    return peer


def add_pinned_peer(url: str, fingerprint: str) -> Peer:
    """Trust the node at ``url`` through the key whose RFC 7638 thumbprint is ``fingerprint``."""
    metadata = _fetch_json(url.rstrip("/") + "/.well-known/roaming-node")
    try:
        metadata = NodeMetadataInSchema().load(metadata)
    except ValidationError as error:
        raise DomainError(f"{url} does not describe a roaming node: {error.normalized_messages()}") from None
    if metadata["node_id"] == node_id():
        raise DomainError("That is this node itself.")
    if urlparse(metadata["jwks_uri"]).netloc != urlparse(metadata["base_url"]).netloc:
        raise DomainError("The node's key set is not served from its own address.")
    keys = _fetch_json(metadata["jwks_uri"]).get("keys", [])
    pinned = [jwk for jwk in keys if isinstance(jwk, dict) and _safe_thumbprint(jwk) == fingerprint]
    if not pinned:
        raise DomainError(f"The node at {url} does not publish a key with fingerprint {fingerprint}.")
    if session.scalar(select(Peer).where(Peer.node_id == metadata["node_id"])) is not None:
        raise Conflict(f"{metadata['name']} ({metadata['node_id']}) is a peer already.")
    peer = Peer(
        node_id=metadata["node_id"],
        name=metadata["name"],
        country=metadata.get("country"),
        base_url=metadata["base_url"].rstrip("/"),
        trust=TrustSource.PINNED,
        status=PeerStatus.ACTIVE,
    )
    jwk = pinned[0]
    peer.keys.append(PeerKey(key_id=fingerprint, jwk={k: jwk[k] for k in ("kty", "crv", "x")}))
    session.add(peer)
    session.commit()
    return peer


def remove_peer(peer: Peer) -> None:
    """Forget a peer, its keys and our mirror of its catalogue."""
    mirror.forget_peer(peer)
    session.delete(peer)
    session.commit()


def request_sync(peer: Peer) -> None:
    """Note that the peer announced a change (the worker pulls it)."""
    peer.sync_requested_at = utcnow()
    session.commit()


def pull_catalogue(peer: Peer, progress=None) -> int:
    """Pull every change since the peer's cursor into our mirror; returns how many were applied.

    Each page commits with its cursor, so an interrupted sync resumes where it stopped.
    """
    federation_client, applied = client(), 0
    try:
        while True:
            url = f"{peer.base_url}/federation/catalogue/changes?since={peer.sync_cursor}&limit={PAGE_SIZE}"
            answer = federation_client.get(url, resolver_for(peer))
            try:
                feed = FeedSchema().load(answer.data)
            except ValidationError as error:
                raise DomainError(f"{peer.name} sent a malformed change feed: {error.normalized_messages()}") from None
            for change in feed["changes"]:
                mirror.apply_change(peer, change)
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


def _fetch_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise PeerUnreachable(f"Could not read {url}: {error}") from None
    if not isinstance(data, dict):
        raise DomainError(f"{url} did not return a JSON object.")
    return data


def _safe_thumbprint(jwk: dict) -> str | None:
    try:
        return thumbprint(jwk)
    except (KeyError, ValueError, TypeError):
        return None
