"""Receipts: a host's signed statement of what it did for a partner's member, the evidence behind
the reciprocity ledger.

Wire format: a JWS in compact serialisation, ``alg`` ``Ed25519``, ``kid`` the host key's RFC 7638
thumbprint, ``typ`` ``roaming-receipt+jwt``. The payload::

    {"iss": host node id, "aud": home node id, "iat": t, "jti": receipt id,
     "kind": "confirmed" | "declined" | "expired" | "completed" | "event_seat",
     "subject": visit or registration id, "period": "YYYY-MM" (when the service was due),
     "desk_days": n, "services": n, "event_seats": n, "response_seconds": n or null}

The receipt id is the subject and the kind (``<subject>:<kind>``), so one visit has at most one
receipt of each kind: a receipt counted once stays counted once wherever it is sent again. A
receipt names no person; it is kept when the visitor's data is erased.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from federation.keys import NodeKey

ALGORITHM = "Ed25519"
TYPE = "roaming-receipt+jwt"
KINDS = ("confirmed", "declined", "expired", "completed", "event_seat")
COUNTS = ("desk_days", "services", "event_seats")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReceiptRejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def receipt_id(subject: str, kind: str) -> str:
    return f"{subject}:{kind}"


def signed_receipt(
    claims: dict, key: NodeKey, *, issuer: str, audience: str, now: datetime | None = None
) -> tuple[str, dict]:
    """The receipt and its payload (what ``verify_receipt`` would return, so the issuer need not
    verify what it has just signed). ``claims``: kind, subject, period, the counts and
    response_seconds."""
    issued = int((now or datetime.now(UTC)).timestamp())
    payload = {
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "jti": receipt_id(claims["subject"], claims["kind"]),
        **claims,
    }
    _check_claims(payload)
    header = {"alg": ALGORITHM, "kid": key.key_id, "typ": TYPE}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, key.key, algorithms=[ALGORITHM]), payload


def verify_receipt(
    token: str,
    *,
    issuer_key: Callable[[str, str], dict | None],
    issuer: str | None = None,
    audience: str | None = None,
) -> dict:
    """The payload of a receipt. ``issuer_key(node_id, key_id)`` gives that node's public JWK or
    None. ``issuer`` / ``audience``, when given, must match. Raises ``ReceiptRejected``."""
    try:
        compact = jws.extract_compact(token.encode())
        header, unverified = compact.headers(), json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError) as error:
        raise ReceiptRejected(f"The receipt is not a compact JWS: {error}") from None
    if header.get("alg") != ALGORITHM or header.get("typ") != TYPE or not isinstance(unverified, dict):
        raise ReceiptRejected("The receipt has an unexpected JWS header.")
    claimed_issuer = unverified.get("iss")
    if issuer is not None and claimed_issuer != issuer:
        raise ReceiptRejected("The receipt was issued by another node than the visit's host.")
    jwk = issuer_key(str(claimed_issuer), str(header.get("kid")))
    if jwk is None:
        raise ReceiptRejected("The receipt is not signed by a key of the node it names as issuer.")
    try:
        payload = json.loads(jws.deserialize_compact(token, OKPKey.import_key(jwk), algorithms=[ALGORITHM]).payload)
    except (JoseError, ValueError) as error:
        raise ReceiptRejected(f"Bad receipt signature: {error}") from None
    if audience is not None and payload.get("aud") != audience:
        raise ReceiptRejected("The receipt was issued to another node.")
    _check_claims(payload)
    return payload


def _check_claims(payload: dict) -> None:
    if payload.get("kind") not in KINDS:
        raise ReceiptRejected("The receipt has an unknown kind.")
    subject = payload.get("subject")
    if not isinstance(subject, str) or payload.get("jti") != receipt_id(subject, payload["kind"]):
        raise ReceiptRejected("The receipt's id does not match its subject and kind.")
    if not isinstance(payload.get("period"), str) or not _PERIOD.match(payload["period"]):
        raise ReceiptRejected("The receipt's period is not YYYY-MM.")
    for name in COUNTS:
        value = payload.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
            raise ReceiptRejected(f"The receipt's {name} is not a count.")
    response = payload.get("response_seconds")
    if response is not None and (not isinstance(response, int) or response < 0):
        raise ReceiptRejected("The receipt's response_seconds is not a duration.")
    if not isinstance(payload.get("iat"), int):
        raise ReceiptRejected("The receipt has no issue time.")
