"""Which keys we accept, and from whom: every peer key lives in ``peer_key`` with its node."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc.jwk import OKPKey

from federation.signing import SignatureRejected
from roaming.db import session
from roaming.peers.models import Peer, PeerKey, PeerStatus


def public_key(jwk: dict) -> Ed25519PublicKey:
    return OKPKey.import_key(jwk).public_key


def thumbprint(jwk: dict) -> str:
    """The RFC 7638 key id, recomputed (a ``kid`` field proves nothing)."""
    return OKPKey.import_key({k: jwk[k] for k in ("kty", "crv", "x")}).thumbprint()


def peer_for_key(key_id: str) -> Peer | None:
    row = session.get(PeerKey, key_id)
    return row.peer if row else None


def resolve_any_peer_key(key_id: str) -> Ed25519PublicKey | None:
    """For inbound requests: the key of an active peer; a suspended or removed one is named."""
    row = session.get(PeerKey, key_id)
    if row is None:
        return None
    if row.peer.status is not PeerStatus.ACTIVE:
        raise SignatureRejected(f"Node {row.peer.node_id} ({row.peer.name}) is {row.peer.status.value}.")
    return public_key(row.jwk)


def resolver_for(peer: Peer):
    """For answers from ``peer``: only that peer's own keys."""
    keys = {key.key_id: key.jwk for key in peer.keys}

    def resolve(key_id: str) -> Ed25519PublicKey | None:
        return public_key(keys[key_id]) if key_id in keys else None

    return resolve
