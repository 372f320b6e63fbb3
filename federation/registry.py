"""The federation registry: the coordinator's signed list of member nodes and their keys.

Wire format: a JWS in compact serialisation, ``alg`` ``Ed25519`` (RFC 9864), ``kid`` the
coordinator key's RFC 7638 thumbprint, ``typ`` ``roaming-registry+jwt``. The payload::

    {"iss": coordinator node id, "version": n (grows with every change), "iat": t, "exp": t,
     "coordinator_keys": {"keys": [JWK, ...]},          # keys the next registry may be signed with
     "terms": {...},                                     # the federation's agreement terms
     "nodes": [{"node_id", "name", "country", "base_url", "status", "joined_at", "jwks"}, ...]}

A member node pins one coordinator key fingerprint. It accepts a registry signed by that key, or
by a key listed in ``coordinator_keys`` of the last registry it accepted (so the coordinator can
rotate without every member re-pinning), refuses an expired one or one older than it holds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from federation.keys import NodeKey

ALGORITHM = "Ed25519"
TYPE = "roaming-registry+jwt"
STATUSES = ("admitted", "suspended", "removed")


class RegistryRejected(Exception):
    pass


def sign_registry(payload: dict, key: NodeKey) -> str:
    header = {"alg": ALGORITHM, "kid": key.key_id, "typ": TYPE}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, key.key, algorithms=[ALGORITHM])


def verify_registry(
    token: str, trusted_keys: dict[str, dict], *, held_version: int = 0, now: datetime | None = None
) -> dict:
    """The payload of a registry signed by one of ``trusted_keys`` (key id -> public JWK).

    Raises ``RegistryRejected`` with the reason: unknown signer, bad signature, expired, issued in
    the future, or older than the version already held (a replayed old registry).
    """
    now = now or datetime.now(UTC)
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError) as error:
        raise RegistryRejected(f"Not a compact JWS: {error}") from None
    if header.get("alg") != ALGORITHM or header.get("typ") != TYPE:
        raise RegistryRejected(f"Unexpected JWS header {header}.")
    jwk = trusted_keys.get(header.get("kid"))
    if jwk is None:
        raise RegistryRejected(f"Signed by key {header.get('kid')}, which is not the pinned coordinator key.")
    try:
        payload = json.loads(jws.deserialize_compact(token, OKPKey.import_key(jwk), algorithms=[ALGORITHM]).payload)
    except (JoseError, ValueError) as error:
        raise RegistryRejected(f"Bad registry signature: {error}") from None
    timestamp = int(now.timestamp())
    if payload.get("exp", 0) <= timestamp:
        raise RegistryRejected(f"The registry expired at {_when(payload.get('exp', 0))}.")
    if payload.get("iat", 0) > timestamp + 60:
        raise RegistryRejected("The registry was issued in the future.")
    if payload.get("version", 0) < held_version:
        raise RegistryRejected(f"Registry version {payload.get('version')} is older than version {held_version}.")
    return payload


def registry_payload(token: str) -> dict:
    """The payload of a registry token verified when it was accepted (``verify_registry``), read
    again without checking its signature or its age: for showing what is held, never for trust."""
    return json.loads(jws.extract_compact(token.encode()).payload)


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
