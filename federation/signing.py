"""The signature profile of the federation: RFC 9421 HTTP Message Signatures with Ed25519 and
RFC 9530 Content-Digest, through the ``http-message-signatures`` library.

Requests are signed over ``@method``, ``@target-uri``, ``content-type`` and ``content-digest``
(the last two when there is a body), with ``created``, ``expires``, a 128-bit ``nonce``,
``keyid`` and the tag ``roaming-v1``. Responses that carry data are signed over ``@status``,
``content-type``, ``content-digest`` and the request's ``@method`` and ``@target-uri`` (``;req``),
which binds each answer to its question.

The library checks the cryptography, the times and the covered components; this module adds what
it leaves to the caller: the profile's required components, a clock-skew bound, the body digest,
and replay refusal through a ``NonceStore``. Key look-up is the caller's ``resolve_key``, which
returns the sender's public key, None for an unknown key, or raises ``KeyUnavailable`` when it
cannot tell right now (a temporary failure that must not be answered with 401).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

TAG = "roaming-v1"
LABEL = "roaming"
LIFETIME = timedelta(seconds=300)  # from created to expires
MAX_AGE = timedelta(seconds=300)
CLOCK_SKEW = timedelta(seconds=60)

REQUEST_COMPONENTS = ("@method", "@target-uri")
BODY_COMPONENTS = ("content-type", "content-digest")
RESPONSE_COMPONENTS = ("@status", '"@method";req', '"@target-uri";req')


class SignatureRejected(Exception):
    """The message is not acceptable: answer 401 with ``reason`` (safe to show the peer)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class KeyUnavailable(Exception):
    """The sender's key cannot be checked now (e.g. registry unreachable): answer 503."""


class NonceStore(Protocol):
    def remember(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        """Record the nonce; False if it was already recorded for this key (a replay)."""


@dataclass
class MemoryNonceStore:
    """A nonce store for one process (tests, tools); nodes use the database-backed one."""

    seen: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def remember(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        now = datetime.now(UTC)
        self.seen = {entry: until for entry, until in self.seen.items() if until > now}
        if (key_id, nonce) in self.seen:
            return False
        self.seen[(key_id, nonce)] = expires_at
        return True


@dataclass
class Request:
    """The parts of an HTTP request the signature covers (the library's message interface)."""

    method: str
    url: str
    headers: dict[str, str]


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    request: Request


@dataclass(frozen=True)
class Verified:
    key_id: str
    created: datetime
    nonce: str | None


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, private_key: Ed25519PrivateKey | None = None, lookup=None):
        self.private_key, self.lookup = private_key, lookup

    def resolve_private_key(self, key_id: str):
        return self.private_key

    def resolve_public_key(self, key_id: str):
        try:
            key = self.lookup(key_id)
        except (SignatureRejected, KeyUnavailable):
            raise
        except Exception as error:  # noqa: BLE001 - e.g. the key store's database is busy: not the sender's fault
            raise KeyUnavailable(f"The key could not be looked up: {type(error).__name__}") from error
        if key is None:
            raise SignatureRejected(f"Unknown key id {key_id}: not in the federation registry or pinned peers.")
        return key


class _Verifier(HTTPMessageVerifier):
    max_clock_skew = CLOCK_SKEW


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    private_key: Ed25519PrivateKey,
    key_id: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers for the request with Content-Digest (when there is a body) and the signature."""
    request = Request(method.upper(), url, dict(headers))
    components = REQUEST_COMPONENTS + (BODY_COMPONENTS if body is not None else ())
    _sign(request, private_key, key_id, components, body, now, nonce=secrets.token_urlsafe(16))
    return request.headers


def sign_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    request_method: str,
    request_url: str,
    private_key: Ed25519PrivateKey,
    key_id: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    response = Response(status, dict(headers), Request(request_method.upper(), request_url, {}))
    _sign(response, private_key, key_id, RESPONSE_COMPONENTS + BODY_COMPONENTS, body, now, nonce=None)
    return response.headers


def _sign(message, private_key, key_id, components, body, now, nonce) -> None:
    created = now or datetime.now(UTC)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_OneKey(private_key))
    signer.sign(
        message,
        key_id=key_id,
        created=created,
        expires=created + LIFETIME,
        nonce=nonce,
        label=LABEL,
        tag=TAG,
        covered_component_ids=components,
        body=body,
    )


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: Callable[[str], Ed25519PublicKey | None],
    nonces: NonceStore,
) -> Verified:
    """Check a signed request; raises ``SignatureRejected`` or ``KeyUnavailable``.

    A body (even empty, for methods that send one) must be covered by Content-Digest; a nonce is
    required and may be used once per key within its signature's lifetime.
    """
    headers = dict(headers.items())
    request = Request(method.upper(), url, headers)
    required = REQUEST_COMPONENTS + (BODY_COMPONENTS if body or "content-digest" in _lower(headers) else ())
    result = _verify(request, resolve_key, required, body)
    if not result.nonce:
        raise SignatureRejected("The signature has no nonce.")
    expires = result.parameters.get("expires")
    until = datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else datetime.now(UTC) + MAX_AGE
    try:
        fresh = nonces.remember(result.parameters["keyid"], result.nonce, until + CLOCK_SKEW)
    except Exception as error:  # noqa: BLE001 - the replay cache is down: retry later, not "bad signature"
        raise KeyUnavailable(f"The replay cache cannot be checked: {type(error).__name__}") from error
    if not fresh:
        raise SignatureRejected("Replay: this signature's nonce was used before.")
    return Verified(result.parameters["keyid"], datetime.fromtimestamp(result.parameters["created"], UTC), result.nonce)


def verify_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    request_method: str,
    request_url: str,
    resolve_key: Callable[[str], Ed25519PublicKey | None],
) -> Verified:
    """Check that a peer's answer is signed by that peer and belongs to our request."""
    response = Response(status, dict(headers.items()), Request(request_method.upper(), request_url, {}))
    result = _verify(response, resolve_key, RESPONSE_COMPONENTS + BODY_COMPONENTS, body)
    return Verified(result.parameters["keyid"], datetime.fromtimestamp(result.parameters["created"], UTC), None)


def _verify(message, resolve_key, required, body):
    verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_OneKey(lookup=resolve_key))
    try:
        (result,) = verifier.verify(message, max_age=MAX_AGE, expect_tag=TAG, require_components=required, body=body)
    except (SignatureRejected, KeyUnavailable):
        raise
    except InvalidSignature as error:
        cause = error.__cause__
        if isinstance(cause, SignatureRejected | KeyUnavailable):
            raise cause from None
        raise SignatureRejected(f"Bad signature: {_reason(error)}") from None
    except (HTTPMessageSignaturesException, ValueError) as error:
        raise SignatureRejected(f"Malformed signature: {_reason(error)}") from None
    if "expires" not in result.parameters:
        raise SignatureRejected("The signature has no expires parameter.")
    return result


def _reason(error: Exception) -> str:
    """The library's message, or a plain one where it is empty (e.g. a failed Ed25519 check)."""
    text = str(error).strip()
    return text if text and text != "None" else "it does not match the message (tampered, or signed by another key)"


def _lower(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}
