"""Which keys we accept, and from whom: every peer key lives in ``peer_key`` with its node."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from federation.keys import public_key_of
from federation.signing import KeyUnavailable, SignatureRejected
from roaming.db import session
from roaming.peers.models import Peer, PeerKey, PeerStatus, TrustSource
from roaming.peers.registry import unusable_reason


def peer_for_key(key_id: str) -> Peer | None:
    row = session.get(PeerKey, key_id)
    return row.peer if row else None


def resolve_any_peer_key(key_id: str) -> Ed25519PublicKey | None:
    """For inbound requests: the key of an active peer; a suspended or removed one is named."""
    row = session.get(PeerKey, key_id)
    if row is None:
        return None
    if row.peer.trust is TrustSource.REGISTRY:
        reason = unusable_reason()
        if reason:
            raise KeyUnavailable(reason)
    if row.peer.status is not PeerStatus.ACTIVE:
        raise SignatureRejected(f"Node {row.peer.node_id} ({row.peer.name}) is {row.peer.status.value}.")
    return public_key_of(row.jwk)


def resolver_for(peer: Peer):
    """For answers from ``peer``: only that peer's own keys."""
    keys = {key.key_id: key.jwk for key in peer.keys}

    def resolve(key_id: str) -> Ed25519PublicKey | None:
        return public_key_of(keys[key_id]) if key_id in keys else None

    return resolve
