"""Federation endpoints accept only signed requests from active peers, and sign what they answer."""

from __future__ import annotations

import json
from functools import wraps

from flask import Response, current_app, g, request
from marshmallow import Schema
from prometheus_client import Counter

from federation.signing import KeyUnavailable, SignatureRejected, sign_response, verify_request
from roaming.errors import error_body
from roaming.identity.operations import key_ring
from roaming.peers.replay import DatabaseNonceStore
from roaming.peers.trust import peer_for_key, resolve_any_peer_key

SIGNATURE_FAILURES = Counter("roaming_signature_failures", "Signed federation requests refused")

RETRY_AFTER_SECONDS = 60


def signed_by_peer(view):
    """Decorator: verify the request's signature; ``g.peer`` is the sending peer.

    401 with the reason for a bad, unknown, expired or replayed signature; 503 (with Retry-After)
    when the keys cannot be checked now, so senders retry instead of giving up.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            verified = verify_request(
                request.method,
                request.url,
                request.headers,
                request.get_data(cache=True),
                resolve_any_peer_key,
                _nonce_store(),
            )
        except SignatureRejected as rejected:
            SIGNATURE_FAILURES.inc()
            current_app.logger.warning(
                "Refused signed %s %s: %s (Signature-Input: %s)",
                request.method,
                request.url,
                rejected.reason,
                request.headers.get("Signature-Input", "-"),
            )
            return _error(401, rejected.reason, {"WWW-Authenticate": 'Signature tag="roaming-v1"'})
        except KeyUnavailable as unavailable:
            return _error(
                503, f"Cannot check signatures right now: {unavailable}", {"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        g.peer = peer_for_key(verified.key_id)
        return view(*args, **kwargs)

    return wrapper


def json_body(schema: Schema) -> dict:
    """The request's JSON body loaded by ``schema`` (a body that is not an object loads as {}, so
    the schema names the missing fields); raises ``ValidationError`` (422)."""
    data = request.get_json(silent=True)
    return schema.load(data if isinstance(data, dict) else {})


def signed_json(data, status: int = 200) -> Response:
    """A JSON response signed by this node, bound to the request it answers."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    key = key_ring().signing_key()
    headers = sign_response(
        status, {"Content-Type": "application/json"}, body, request.method, request.url, key.key.private_key, key.key_id
    )
    return Response(body, status, headers)


def _error(status: int, message: str, headers: dict) -> Response:
    response = current_app.json.response(error_body(status, message))
    response.status_code = status
    response.headers.update(headers)
    return response


def _nonce_store() -> DatabaseNonceStore:
    store = current_app.extensions.get("roaming.nonces")
    if store is None:
        store = current_app.extensions["roaming.nonces"] = DatabaseNonceStore()
    return store
