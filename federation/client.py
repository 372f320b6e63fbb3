"""Signed HTTP to peers: every request is signed at send time (a retry carries a fresh signature
and nonce), and every answer that carries data must be signed by the peer it came from.

Failures are classified for the caller: ``Unreachable``, ``TemporaryFailure`` (5xx, 408, 429)
and ``Refused`` (401: the peer did not accept our signature, often because it has not yet seen our
registry entry or new key) are worth a retry later; ``PermanentFailure`` (any other 4xx) is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from federation.keys import NodeKey
from federation.signing import SignatureRejected, sign_request, verify_response

TIMEOUT = (5, 30)  # connect, read
RETRYABLE_STATUSES = {408, 429}


class DeliveryError(Exception):
    retry = True

    def __init__(self, message: str, status: int | None = None, body: object = None):
        super().__init__(message)
        self.status = status  # the peer's HTTP status, when it answered
        self.body = body  # the peer's JSON answer, when it sent one (e.g. field errors)


class Unreachable(DeliveryError):
    pass


class TemporaryFailure(DeliveryError):
    pass


class Refused(DeliveryError):
    """The peer refused our signature (401): retried, since trust may catch up (a registry
    refresh, a key rotation); the reason is kept for the admin."""


class PermanentFailure(DeliveryError):
    retry = False


@dataclass(frozen=True)
class Answer:
    status: int
    data: object


class FederationClient:
    """``signing_key`` returns the node's current key; ``peer_keys`` the public keys accepted for
    answers from the peer being called, by key id."""

    def __init__(
        self,
        signing_key: Callable[[], NodeKey],
        session: requests.Session | None = None,
        request_id: Callable[[], str | None] = lambda: None,
    ):
        self.signing_key = signing_key
        self.session = session or requests.Session()
        self.request_id = request_id  # sent as X-Request-Id (unsigned: for matching logs only)

    def get(self, url: str, peer_keys: Callable[[str], Ed25519PublicKey | None]) -> Answer:
        """GET a signed JSON document from a peer; its answer must be signed by that peer."""
        response = self._send("GET", url, None)
        try:
            verify_response(response.status_code, response.headers, response.content, "GET", url, peer_keys)
        except SignatureRejected as error:
            raise PermanentFailure(f"The peer's answer is not properly signed: {error.reason}") from None
        return Answer(response.status_code, _json(response))

    def post(
        self, url: str, payload: dict, peer_keys: Callable[[str], Ed25519PublicKey | None] | None = None
    ) -> Answer:
        """POST a signed JSON message; success is any 2xx. With ``peer_keys`` the answer must be
        signed by that peer (use it when the answer's content matters)."""
        response = self._send("POST", url, payload)
        if peer_keys is not None:
            try:
                verify_response(response.status_code, response.headers, response.content, "POST", url, peer_keys)
            except SignatureRejected as error:
                raise PermanentFailure(f"The peer's answer is not properly signed: {error.reason}") from None
            return Answer(response.status_code, _json(response))
        return Answer(response.status_code, _json(response) if response.content else None)

    def _send(self, method: str, url: str, payload: dict | None) -> requests.Response:
        key = self.signing_key()
        body = None if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request_id = self.request_id()
        if request_id:
            headers["X-Request-Id"] = request_id
        headers = sign_request(method, url, headers, body, key.key.private_key, key.key_id)
        try:
            response = self.session.request(method, url, data=body, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from None
        _raise_for_status(response)
        return response


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    body = _error_body(response)
    reason = str(body.get("message", ""))[:300] if isinstance(body, dict) else response.text[:300]
    if status == 401:
        raise Refused(f"401 from the peer: {reason}", status, body)
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise TemporaryFailure(f"{status} from the peer: {reason}", status, body)
    raise PermanentFailure(f"{status} from the peer: {reason}", status, body)


def _error_body(response: requests.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        raise PermanentFailure("The peer's answer is not JSON.") from None
