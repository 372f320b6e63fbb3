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
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from marshmallow import ValidationError

from federation.keys import public_jwk_of, thumbprint_of
from roaming.errors import DomainError
from roaming.peers.schemas import NodeMetadataInSchema

FETCH_TIMEOUT = (5, 15)
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
    """The JSON object at ``url``, fetched without following redirects and read up to
    ``MAX_ANSWER_BYTES``."""
    try:
        with requests.get(
            url, timeout=FETCH_TIMEOUT, headers={"Accept": "application/json"}, allow_redirects=False, stream=True
        ) as response:
            if response.is_redirect:
                raise DomainError(
                    f"{url} answered with a redirect ({response.status_code}) to "
                    f"{response.headers.get('Location')}; redirects are not followed: give the node's own address."
                )
            response.raise_for_status()
            data = _json(url, response)
    except (requests.RequestException, ValueError) as error:
        raise PeerUnreachable(f"Could not read {url}: {error}") from None
    if not isinstance(data, dict):
        raise DomainError(f"{url} did not return a JSON object.")
    return data


def _json(url: str, response: requests.Response) -> object:
    """The answer's JSON, read in chunks, refused as soon as it is larger than ``MAX_ANSWER_BYTES``."""
    body = bytearray()
    for chunk in response.iter_content(chunk_size=65536):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise DomainError(
                f"{url} answered with more than {MAX_ANSWER_BYTES // 1024} KiB; a node's answer is small."
            )
    return json.loads(body)


def _shown(place: tuple[str, str, int]) -> str:
    scheme, host, port = place
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" if port == DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"
