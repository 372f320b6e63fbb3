"""Reading another node's public self-description: its metadata and its published keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlparse

from marshmallow import ValidationError

from federation.client import DeliveryError, fetch_document
from federation.keys import public_jwk_of, thumbprint_of
from roaming.errors import DomainError
from roaming.peers.schemas import NodeMetadataInSchema


class PeerUnreachable(DomainError):
    status = 502


@dataclass(frozen=True)
class RemoteNode:
    metadata: dict
    keys: dict[str, dict]  # key id (recomputed thumbprint) -> public JWK (kty, crv, x)


def discover(url: str) -> RemoteNode:
    """Fetch ``/.well-known/roaming-node`` and the key set it names; keys are re-identified by
    their recomputed thumbprints, never by the ``kid`` they claim."""
    raw = fetch_json(url.rstrip("/") + "/.well-known/roaming-node")
    try:
        metadata = NodeMetadataInSchema().load(raw)
    except ValidationError as error:
        raise DomainError(f"{url} does not describe a roaming node: {error.normalized_messages()}") from None
    if urlparse(metadata["jwks_uri"]).netloc != urlparse(metadata["base_url"]).netloc:
        raise DomainError("The node's key set is not served from its own address.")
    keys = {}
    for jwk in fetch_json(metadata["jwks_uri"]).get("keys", []):
        try:
            keys[thumbprint_of(jwk)] = public_jwk_of(jwk)
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
    metadata["base_url"] = metadata["base_url"].rstrip("/")
    return RemoteNode(metadata, keys)


def fetch_json(url: str) -> dict:
    """A node's public JSON document, read within the federation client's bounds (no redirect, a
    limited size and time); raises ``PeerUnreachable``."""
    try:
        data = json.loads(fetch_document(url))
    except (DeliveryError, ValueError, RecursionError) as error:
        raise PeerUnreachable(f"Could not read {url}: {error}") from None
    if not isinstance(data, dict):
        raise DomainError(f"{url} did not return a JSON object.")
    return data
