"""Signed HTTP to peers: every request is signed at send time (a retry carries a fresh signature
and nonce), and every successful answer must be signed by the peer it came from.

Failures are classified for the caller: ``Unreachable`` (no connection could be made),
``TemporaryFailure`` (5xx, 408, 429), ``Refused`` (401: the peer did not accept our signature,
often because it has not yet seen our registry entry or new key) and ``BadAnswer`` (the peer
answered something that cannot count as done) are worth a retry later; ``PermanentFailure`` (any
other 4xx) is not.

A peer is not trusted to behave: its answer is never followed to another address (a redirect is a
``BadAnswer``), may be at most ``MAX_ANSWER_BYTES`` long and must arrive, headers and body,
within ``ANSWER_DEADLINE_SECONDS``, however slowly it trickles in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from urllib3.exceptions import NameResolutionError, NewConnectionError

from federation.keys import NodeKey
from federation.signing import SignatureRejected, sign_request, verify_response

TIMEOUT = (5, 30)  # connect, and each wait for the next bytes of the answer
ANSWER_DEADLINE_SECONDS = 60.0  # the whole answer, headers and body
MAX_ANSWER_BYTES = 8 * 1024 * 1024
RETRYABLE_STATUSES = {408, 429}

PeerKeys = Callable[[str], Ed25519PublicKey | None]


class DeliveryError(Exception):
    retry = True

    def __init__(self, message: str, status: int | None = None, body: object = None):
        super().__init__(message)
        self.status = status  # the peer's HTTP status, when it answered
        self.body = body  # the peer's JSON answer, when it sent one (e.g. field errors)


class Unreachable(DeliveryError):
    """No connection could be made (refused, no such host, connect timeout): the peer is down,
    which says nothing about the message."""


class TemporaryFailure(DeliveryError):
    pass


class Refused(DeliveryError):
    """The peer refused our signature (401): retried, since trust may catch up (a registry
    refresh, a key rotation); the reason is kept for the admin."""


class BadAnswer(DeliveryError):
    """The peer answered, but with something that cannot count as done: a success not signed by
    that peer (unsigned, another key, a changed body, a stale or foreign signature), a body that is
    not JSON, too large or too slow, a redirect. Retried: the message is not delivered."""


class PermanentFailure(DeliveryError):
    retry = False


@dataclass(frozen=True)
class Answer:
    status: int
    data: object


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    content: bytes


class FederationClient:
    """``signing_key`` returns the node's current key; the ``peer_keys`` of each call the public
    keys accepted for answers from the peer being called, by key id. ``before_send`` is called
    before every request (the node checks there that nothing waits on it while it talks)."""

    def __init__(
        self,
        signing_key: Callable[[], NodeKey],
        session: requests.Session | None = None,
        request_id: Callable[[], str | None] = lambda: None,
        before_send: Callable[[], None] = lambda: None,
    ):
        self.signing_key = signing_key
        self.session = session or requests.Session()
        self.request_id = request_id  # sent as X-Request-Id (unsigned: for matching logs only)
        self.before_send = before_send

    def get(self, url: str, peer_keys: PeerKeys) -> Answer:
        """GET a signed JSON document from a peer; its answer must be signed by that peer."""
        return self._verified("GET", url, self._send("GET", url, None), peer_keys)

    def post(self, url: str, payload: dict, peer_keys: PeerKeys) -> Answer:
        """POST a signed JSON message; done only when the answer is a 2xx signed by that peer
        (``peer_keys``), whatever the message: an unsigned success is a ``BadAnswer``."""
        return self._verified("POST", url, self._send("POST", url, payload), peer_keys)

    def _verified(self, method: str, url: str, reply: _Reply, peer_keys: PeerKeys) -> Answer:
        try:
            verify_response(reply.status, reply.headers, reply.content, method, url, peer_keys)
        except SignatureRejected as error:
            raise BadAnswer(f"The peer's answer is not properly signed: {error.reason}", reply.status) from None
        return Answer(reply.status, _json(reply))

    def _send(self, method: str, url: str, payload: dict | None) -> _Reply:
        self.before_send()
        key = self.signing_key()
        body = None if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request_id = self.request_id()
        if request_id:
            headers["X-Request-Id"] = request_id
        headers = sign_request(method, url, headers, body, key.key.private_key, key.key_id)
        reply = _within_deadline(lambda: _exchange(self.session, method, url, body, headers))
        _raise_for_status(reply)
        return reply


def fetch_document(url: str, accept: str = "application/json", limit: int | None = None) -> bytes:
    """GET a public, unsigned document of another node (its metadata, key set, the registry) with
    the same bounds as a signed exchange: no redirect followed, the answer's time limited, and its
    size to ``limit`` bytes (default ``MAX_ANSWER_BYTES``). Raises a ``DeliveryError``
    (``Unreachable``, ``BadAnswer``, or by status)."""
    headers = {"Accept": accept, "Accept-Encoding": "identity"}
    reply = _within_deadline(lambda: _exchange(requests, "GET", url, None, headers, limit))
    _raise_for_status(reply)
    return reply.content


def _exchange(http, method: str, url: str, body: bytes | None, headers: dict, limit: int | None = None) -> _Reply:
    """One request and its whole answer, read within the limits; ``http`` is a
    ``requests.Session`` or the ``requests`` module."""
    try:
        response = http.request(
            method, url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
        )
        with response:
            return _Reply(response.status_code, response.headers, _read_capped(response, limit))
    except (requests.ConnectTimeout, requests.ConnectionError) as error:
        if isinstance(error, requests.ConnectTimeout) or _no_connection(error):
            raise Unreachable(f"{type(error).__name__}: {error}") from None
        raise BadAnswer(f"The peer broke off its answer: {type(error).__name__}: {error}") from None
    except requests.RequestException as error:  # a read timeout, a garbled answer
        raise BadAnswer(f"The peer's answer could not be read: {type(error).__name__}: {error}") from None


def _no_connection(error: requests.ConnectionError) -> bool:
    """Whether no connection was ever made (refused, unknown host), as opposed to one broken off
    while the peer answered."""
    cause = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(cause, NewConnectionError | NameResolutionError)


def _within_deadline(exchange: Callable[[], _Reply]) -> _Reply:
    """Run ``exchange`` in a thread of its own and wait at most ``ANSWER_DEADLINE_SECONDS``: a
    peer trickling its answer a byte at a time must not hold the caller (the worker) for longer.
    A late exchange is left to end on its own socket timeouts; its result is dropped."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(exchange())
        except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
            outcome.append(error)

    thread = threading.Thread(target=run, name="federation-exchange", daemon=True)
    thread.start()
    thread.join(ANSWER_DEADLINE_SECONDS)
    if not outcome:
        raise BadAnswer(f"The peer did not answer within {ANSWER_DEADLINE_SECONDS:g} s.")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _read_capped(response: requests.Response, limit: int | None) -> bytes:
    limit = MAX_ANSWER_BYTES if limit is None else limit
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadAnswer(f"The peer's answer is larger than {limit} bytes ({declared}).", response.status_code)
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BadAnswer(f"The peer's answer is larger than {limit} bytes.", response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(reply: _Reply) -> None:
    status = reply.status
    if 200 <= status < 300:
        return
    if status < 400:
        where = reply.headers.get("Location", "elsewhere")[:200]
        raise BadAnswer(
            f"{status} from the peer: it redirects to {where}, and federation requests are never redirected"
        )
    body = _error_body(reply.content)
    reason = (
        str(body.get("message", ""))[:300] if isinstance(body, dict) else reply.content[:300].decode(errors="replace")
    )
    if status == 401:
        raise Refused(f"401 from the peer: {reason}", status, body)
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise TemporaryFailure(f"{status} from the peer: {reason}", status, body)
    raise PermanentFailure(f"{status} from the peer: {reason}", status, body)


def _error_body(content: bytes) -> object:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def _json(reply: _Reply):
    try:
        return json.loads(reply.content)
    except (ValueError, RecursionError):
        raise BadAnswer("The peer's answer is not JSON.", reply.status) from None
