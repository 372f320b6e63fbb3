"""Admitting clusters and signing the registry.

Allowed status changes: application -> review | admitted | removed; review -> admitted | removed;
admitted -> suspended | removed; suspended -> admitted | removed. Every change that the registry
shows bumps its version, so members can refuse an older registry replayed at them.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select, update

from federation.registry import sign_registry
from roaming.agreement.terms import local_terms
from roaming.coordinator.models import Membership, MembershipStatus, RegistryVersion
from roaming.db import session, utcnow
from roaming.errors import Conflict, DomainError, NotFound
from roaming.identity.operations import jwks, key_ring, metadata, node_id
from roaming.peers.discovery import PeerUnreachable, discover
from roaming.peers.registry import OWN_REGISTRY

S = MembershipStatus
NOT_COORDINATOR = (
    "This node is not the federation's coordinator: a node admits clusters only with the setting "
    "coordinator_enabled = true (in its roaming.toml, or ROAMING_COORDINATOR_ENABLED=true)."
)
TRANSITIONS = {
    S.APPLICATION: {S.REVIEW, S.ADMITTED, S.REMOVED},
    S.REVIEW: {S.ADMITTED, S.REMOVED},
    S.ADMITTED: {S.SUSPENDED, S.REMOVED},
    S.SUSPENDED: {S.ADMITTED, S.REMOVED},
    S.REMOVED: set(),
}
DATE_FIELDS = {S.REVIEW: "reviewed_at", S.ADMITTED: "admitted_at", S.SUSPENDED: "suspended_at", S.REMOVED: "removed_at"}
PUBLISHED = (S.ADMITTED, S.SUSPENDED, S.REMOVED)


def require_coordinator() -> None:
    if not current_app.config["COORDINATOR_ENABLED"]:
        raise NotFound(NOT_COORDINATOR)


def list_memberships() -> list[Membership]:
    return list(session.scalars(select(Membership).order_by(Membership.applied_at)))


def get_membership_by_id(membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"No membership with id {membership_id}.")
    return membership


def get_membership(node: str) -> Membership:
    """By node id, base URL or name."""
    for membership in list_memberships():
        if node in (membership.node_id, membership.name) or membership.base_url == node.rstrip("/"):
            return membership
    raise NotFound(f"No membership for {node}.")


def add_application(url: str, fingerprint: str, note: str = "") -> Membership:
    """Record a cluster's application; its admin gave us ``fingerprint`` out of band."""
    require_coordinator()
    try:
        remote = discover(url)
    except PeerUnreachable as error:
        raise PeerUnreachable(
            f"{error.message}. Recording an application reads the keys the applicant's node publishes, "
            "so that node must be running and reachable from this one: ask its admin to start it "
            "('roaming run') and to confirm its URL, then run this again."
        ) from None
    if fingerprint not in remote.keys:
        raise DomainError(f"The node at {url} does not publish a key with fingerprint {fingerprint}.")
    if remote.metadata["node_id"] == node_id():
        raise DomainError("The coordinator is a member of its own federation already.")
    if session.scalar(select(Membership).where(Membership.node_id == remote.metadata["node_id"])):
        raise Conflict(f"{remote.metadata['name']} has applied already.")
    membership = Membership(
        node_id=remote.metadata["node_id"],
        name=remote.metadata["name"],
        country=remote.metadata.get("country"),
        base_url=remote.metadata["base_url"],
        status=S.APPLICATION,
        note=note,
        jwks={"keys": [{**jwk, "kid": kid} for kid, jwk in remote.keys.items()]},
    )
    session.add(membership)
    session.flush()
    return membership


def change_status(membership: Membership, new: MembershipStatus) -> Membership:
    if new not in TRANSITIONS[membership.status]:
        raise Conflict(f"{membership.name} is {membership.status.value}; it cannot become {new.value}.")
    membership.status = new
    setattr(membership, DATE_FIELDS[new], utcnow())
    if new in PUBLISHED:
        _bump_version()
    session.flush()
    return membership


def refresh_member_keys() -> int:
    """Re-read the published keys of admitted and suspended members (they rotate); returns how
    many members' key sets changed. An unreachable member keeps the keys we have. Commits each
    member's keys as it reads them (a worker job that asks other nodes)."""
    changed = 0
    for membership in list_memberships():
        if membership.status not in (S.ADMITTED, S.SUSPENDED):
            continue
        try:
            remote = discover(membership.base_url)
        except DomainError:
            continue
        keys = {"keys": [{**jwk, "kid": kid} for kid, jwk in sorted(remote.keys.items())]}
        if keys != membership.jwks:
            membership.jwks = keys
            changed += 1
    if changed:
        _bump_version()
    session.commit()
    return changed


def registry_payload() -> dict:
    now = utcnow()
    lifetime = timedelta(seconds=current_app.config["REGISTRY_LIFETIME_SECONDS"])
    own = metadata()
    nodes = [
        {
            "node_id": own["node_id"],
            "name": own["name"],
            "country": own["country"],
            "base_url": own["base_url"],
            "status": "admitted",
            "joined_at": None,
            "jwks": jwks(),
        }
    ]
    for membership in list_memberships():
        if membership.status in PUBLISHED:
            nodes.append(
                {
                    "node_id": membership.node_id,
                    "name": membership.name,
                    "country": membership.country,
                    "base_url": membership.base_url,
                    "status": membership.status.value,
                    "joined_at": membership.admitted_at.isoformat() if membership.admitted_at else None,
                    "jwks": membership.jwks,
                }
            )
    return {
        "iss": own["node_id"],
        "version": _version(),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "coordinator_keys": jwks(),
        "terms": local_terms(),
        "receipt_checks": True,  # we compare hosts' and homes' reports of receipts (docs/protocol.md, section 10)
        "nodes": nodes,
    }


def signed_registry() -> str:
    require_coordinator()
    return sign_registry(registry_payload(), key_ring().signing_key())


def init_app(app: Flask) -> None:
    """A coordinator node follows its own registry, read in-process (``roaming.peers.registry``)."""
    app.extensions[OWN_REGISTRY] = signed_registry


def _version() -> int:
    row = session.get(RegistryVersion, 1)
    return row.version if row else 0


def _bump_version() -> None:
    if session.get(RegistryVersion, 1) is None:
        session.add(RegistryVersion(id=1, version=1))
        session.flush()
    else:
        bump = update(RegistryVersion).where(RegistryVersion.id == 1).values(version=RegistryVersion.version + 1)
        session.execute(bump)
