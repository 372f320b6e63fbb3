"""Reading another node's public self-description: its metadata and its published keys.

Whoever runs the node at the URL asked about decides what it answers, so nothing it says sends
this node elsewhere: redirects are not followed (each is an error naming where it pointed), the
metadata's ``base_url`` and ``jwks_uri`` must be on the origin asked about (scheme, host and port),
else nothing more is fetched, and an answer larger than ``MAX_ANSWER_BYTES`` is cut off. So a
hostile node cannot make this one request an internal address, now or later (``base_url`` is
where the peer's messages go).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from marshmallow import ValidationError

from federation.client import DeliveryError, fetch_document
from federation.keys import public_jwk_of, thumbprint_of
from roaming.errors import DomainError
from roaming.peers.schemas import NodeMetadataInSchema

MAX_ANSWER_BYTES = 1024 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


class PeerUnreachable(DomainError):
    status = 502


@dataclass(frozen=True)
class RemoteNode:
    metadata: dict
    keys: dict[str, dict]  # key id (recomputed thumbprint) -> public JWK (kty, crv, x)


def discover(url: str) -> RemoteNode:
    """Fetch ``/.well-known/roaming-node`` at ``url`` and the key set it names; keys are
    re-identified by their recomputed thumbprints, never by the ``kid`` they claim. Raises
    ``DomainError`` when ``url`` is no http(s) URL, on a redirect, and when the metadata's
    ``base_url`` or ``jwks_uri`` is on another origin than ``url`` (nothing is fetched from it)."""
    asked = origin(url)
    if asked is None:
        raise DomainError(f"{url} is not an http(s) URL.")
    raw = fetch_json(url.rstrip("/") + "/.well-known/roaming-node")
    try:
        metadata = NodeMetadataInSchema().load(raw)
    except ValidationError as error:
        raise DomainError(f"{url} does not describe a roaming node: {error.normalized_messages()}") from None
    for field in ("base_url", "jwks_uri"):
        if origin(metadata[field]) != asked:
            raise DomainError(
                f"The node at {url} is refused: its {field} {metadata[field]} is not on {_shown(asked)}, "
                "the address it was asked at (give the node's own base URL)."
            )
    keys = {}
    for jwk in fetch_json(metadata["jwks_uri"]).get("keys", []):
        try:
            keys[thumbprint_of(jwk)] = public_jwk_of(jwk)
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
    metadata["base_url"] = metadata["base_url"].rstrip("/")
    return RemoteNode(metadata, keys)


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, in lower case and with the scheme's default
    port filled in; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def fetch_json(url: str) -> dict:
    """The JSON object at ``url``, fetched within the federation client's bounds (no redirect
    followed, a limited time) and at most ``MAX_ANSWER_BYTES`` long; raises ``PeerUnreachable``
    naming why (a redirect names where it pointed)."""
    try:
        data = json.loads(fetch_document(url, limit=MAX_ANSWER_BYTES))
    except (DeliveryError, ValueError, RecursionError) as error:
        raise PeerUnreachable(f"Could not read {url}: {_plain(str(error))}") from None
    if not isinstance(data, dict):
        raise DomainError(f"{url} did not return a JSON object.")
    return data


def _plain(reason: str) -> str:
    """The operating system's words for a failed connection ("Connection refused", "Name or
    service not known"), else ``reason`` as it is."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")]+)", reason)
    if found:
        return found.group(1).strip().rstrip(".")
    return "no answer in time" if "timed out" in reason else reason


def _shown(place: tuple[str, str, int]) -> str:
    scheme, host, port = place
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" if port == DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"
