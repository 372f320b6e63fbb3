"""The member side of the registry: fetch, verify, keep the last valid copy, derive peers.

A node with ``COORDINATOR_URL`` and ``COORDINATOR_KEY`` refreshes every
``REGISTRY_REFRESH_SECONDS``. A refused or unreachable registry changes nothing but the recorded
error: the last valid copy stays in force until it expires. After that, requests from registry
peers get 503 ("cannot check right now") rather than 401, since nothing is known to be wrong with
them, and the admin sees why in ``roaming registry show``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from federation.client import DeliveryError, fetch_document
from federation.keys import public_jwk_of, thumbprint_of
from federation.registry import RegistryRejected, registry_payload, verify_registry
from roaming.agreement.terms import BRA_TERMS, local_terms
from roaming.db import session, utcnow
from roaming.errors import DomainError
from roaming.identity.operations import node_id
from roaming.peers.discovery import discover
from roaming.peers.models import Peer, PeerKey, PeerStatus, RegistryCopy, TrustSource

STATUS_FOR = {"admitted": PeerStatus.ACTIVE, "suspended": PeerStatus.SUSPENDED, "removed": PeerStatus.REMOVED}


def configured() -> bool:
    config = current_app.config
    return bool(config["COORDINATOR_ENABLED"] or (config["COORDINATOR_URL"] and config["COORDINATOR_KEY"]))


def copy() -> RegistryCopy:
    row = session.get(RegistryCopy, 1)
    if row is None:
        row = RegistryCopy(id=1, coordinator_keys={})
        session.add(row)
        session.flush()
    return row


def unusable_reason() -> str | None:
    """Why keys from the registry cannot be trusted right now, or None if they can."""
    row = session.get(RegistryCopy, 1)
    if row is None or row.token is None:
        return "No federation registry has been received from the coordinator yet."
    if row.expires_at <= utcnow():
        detail = f" Last attempt to refresh it: {row.last_error}" if row.last_error else ""
        return f"The federation registry expired at {row.expires_at:%Y-%m-%d %H:%M} UTC.{detail}"
    return None


def held_nodes() -> list[dict]:
    """The clusters the held registry lists (``node_id``, ``name``, ``country``, ``base_url``,
    ``status``, ``joined_at``), by name; [] when none is held."""
    row = session.get(RegistryCopy, 1)
    if row is None or row.token is None:
        return []
    return sorted(registry_payload(row.token).get("nodes", []), key=lambda node: node["name"].casefold())


OWN_REGISTRY = "roaming.own_registry"  # app.extensions: the coordinator's signed registry, read in-process


def held_terms() -> dict | None:
    """The agreement terms of the last accepted registry, if this node follows one that has them."""
    if not configured():
        return None
    row = session.get(RegistryCopy, 1)
    return row.terms if row is not None else None


def federation_terms() -> dict:
    """The federation's defaults as this node knows them: the registry's when it carries terms,
    else this node's own ``AGREEMENT_TERMS`` over the BRA's."""
    published = held_terms()
    if published is not None:
        return {**BRA_TERMS, **published}
    return local_terms()


def refresh() -> dict:
    """Fetch and apply the registry; returns the accepted payload. Raises ``DomainError`` with the
    reason after recording it (the previous copy stays in force). Commits the registry it accepts
    (it asked the coordinator first)."""
    held = copy()
    held.last_attempt_at = utcnow()
    session.commit()  # noted first: nothing is held while the coordinator is asked
    try:
        token = _fetch_token()
        payload = verify_registry(token, _trusted_keys(held), held_version=held.version)
    except (DomainError, RegistryRejected) as error:
        held.last_error = getattr(error, "message", None) or str(error)
        session.commit()
        raise DomainError(f"Registry not refreshed: {held.last_error}") from None
    _apply(payload)
    held.token, held.version = token, payload["version"]
    held.expires_at = datetime.fromtimestamp(payload["exp"], UTC)
    held.accepted_at, held.last_error = utcnow(), None
    held.coordinator_keys = _coordinator_keys(payload)
    held.terms = payload.get("terms")
    held.coordinator_node_id = payload["iss"]
    held.receipt_checks = payload.get("receipt_checks") is True
    session.commit()
    return payload


def _fetch_token() -> str:
    if current_app.config["COORDINATOR_ENABLED"]:
        return current_app.extensions[OWN_REGISTRY]()
    url = current_app.config["COORDINATOR_URL"].rstrip("/") + "/federation/registry"
    try:
        return fetch_document(url, accept="application/jose").decode(errors="replace").strip()
    except DeliveryError as error:
        raise DomainError(f"The coordinator did not answer at {url}: {error}") from None


def _trusted_keys(held: RegistryCopy) -> dict[str, dict]:
    """Keys a registry may be signed with. The coordinator trusts its own published keys; a member
    trusts the pinned key (looked up in the coordinator's key set) and the coordinator keys that the
    last accepted registry announced."""
    if current_app.config["COORDINATOR_ENABLED"]:
        from roaming.identity.operations import jwks

        return {key["kid"]: key for key in jwks()["keys"]}
    trusted = dict(held.coordinator_keys or {})
    pinned = current_app.config["COORDINATOR_KEY"]
    if pinned not in trusted:
        remote = discover(current_app.config["COORDINATOR_URL"])
        if pinned in remote.keys:
            trusted[pinned] = remote.keys[pinned]
    return trusted


def _coordinator_keys(payload: dict) -> dict[str, dict]:
    keys = {}
    for jwk in payload.get("coordinator_keys", {}).get("keys", []):
        keys[thumbprint_of(jwk)] = public_jwk_of(jwk)
    return keys


def _apply(payload: dict) -> None:
    """Make registry peers match the registry; pinned peers are left as their admins set them."""
    me = node_id()
    listed = set()
    for node in payload.get("nodes", []):
        if node["node_id"] == me:
            continue
        listed.add(node["node_id"])
        peer = session.scalar(select(Peer).where(Peer.node_id == node["node_id"]))
        if peer is not None and peer.trust is TrustSource.PINNED:
            continue
        if peer is None:
            peer = Peer(node_id=node["node_id"], trust=TrustSource.REGISTRY)
            session.add(peer)
        peer.name, peer.country, peer.base_url = node["name"], node.get("country"), node["base_url"].rstrip("/")
        peer.status = STATUS_FOR.get(node["status"], PeerStatus.REMOVED)
        peer.joined_at = datetime.fromisoformat(node["joined_at"]) if node.get("joined_at") else None
        _set_keys(peer, node.get("jwks", {}).get("keys", []))
    for peer in session.scalars(select(Peer).where(Peer.trust == TrustSource.REGISTRY)):
        if peer.node_id not in listed:
            peer.status = PeerStatus.REMOVED


def _set_keys(peer: Peer, jwks: list[dict]) -> None:
    wanted = {}
    for jwk in jwks:
        try:
            wanted[thumbprint_of(jwk)] = public_jwk_of(jwk)
        except (KeyError, ValueError, TypeError):
            current_app.logger.warning("Registry entry %s has an unreadable key; skipped.", peer.node_id)
    for key in list(peer.keys):
        if key.key_id not in wanted:
            peer.keys.remove(key)
    have = {key.key_id for key in peer.keys}
    for key_id, jwk in wanted.items():
        if key_id in have:
            continue
        owner = session.get(PeerKey, key_id)
        if owner is not None and owner.peer is not peer:
            current_app.logger.warning(
                "Key %s of %s belongs to %s already; skipped.", key_id, peer.node_id, owner.peer.node_id
            )
            continue
        peer.keys.append(PeerKey(key_id=key_id, jwk=jwk))
