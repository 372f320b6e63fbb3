"""Standard Webhooks signatures: ``v1,`` + base64(HMAC-SHA256(secret, "id.timestamp.body"))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    pass


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(secret: str, received: dict[str, str], body: bytes, now: float | None = None) -> None:
    """What a receiver does: raises ``InvalidSignature`` unless one of the signatures matches and
    the timestamp is within five minutes (so an old message cannot be replayed)."""
    lowered = {key.lower(): value for key, value in received.items()}
    try:
        message_id, timestamp = lowered["webhook-id"], int(lowered["webhook-timestamp"])
    except (KeyError, ValueError):
        raise InvalidSignature("webhook-id or webhook-timestamp missing") from None
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp too old or in the future")
    expected = signature(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in lowered.get("webhook-signature", "").split()):
        raise InvalidSignature("no signature matches")
