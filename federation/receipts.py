"""Receipts: a host's signed statement of what it did for a partner's member, the evidence behind
the reciprocity ledger.

Wire format: a JWS in compact serialisation, ``alg`` ``Ed25519``, ``kid`` the host key's RFC 7638
thumbprint, ``typ`` ``roaming-receipt+jwt``. The payload::

    {"iss": host node id, "aud": home node id, "iat": t, "jti": receipt id,
     "kind": "confirmed" | "declined" | "expired" | "completed" | "event_seat",
     "subject": visit or registration id, "period": "YYYY-MM" (when the service was due),
     "desk_days": n, "services": n, "event_seats": n, "response_seconds": n or null}

The receipt id is the subject and the kind (``<subject>:<kind>``), so one visit has at most one
receipt of each kind: a receipt counted once stays counted once wherever it is sent again. A visit
has at most one decision (confirmed, declined or expired) and at most one terminal receipt
(declined, expired, completed; event_seat for a registration). A receipt names no person; it is
kept when the visitor's data is erased.
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
DECISIONS = ("confirmed", "declined", "expired")  # the host's answer to a request: one per visit
TERMINAL = ("declined", "expired", "completed", "event_seat")  # what closes a visit's account: one
COUNTS = ("desk_days", "services", "event_seats")
NODE_ID_LENGTH, SUBJECT_LENGTH = 64, 36
MAX_COUNT = 10_000
PER_DOCUMENT = 10  # a visit has 2 at most, a registration 1: a document with more is refused
MAX_LENGTH = 8000  # characters of a receipt token, at most (a real one has about 600)
MAX_SECONDS = 2**31 - 1  # what every database stores as an integer
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last moment a datetime holds
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
    check_claims(payload)
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
    payload = signed_payload(token, issuer_key=issuer_key, issuer=issuer)
    if audience is not None and payload.get("aud") != audience:
        raise ReceiptRejected("The receipt was issued to another node.")
    check_claims(payload)
    return payload


def signed_payload(token: str, *, issuer_key: Callable[[str, str], dict | None], issuer: str | None = None) -> dict:
    """The payload of a token that is a receipt signed by the node it names as ``iss`` (which must
    be ``issuer``, when given), its claims not yet checked: what that node said, whether or not it
    makes sense. Raises ``ReceiptRejected``."""
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
    if not isinstance(payload, dict):
        raise ReceiptRejected("The receipt's payload is not an object.")
    return payload


def check_claims(payload: dict) -> None:
    """Raises ``ReceiptRejected`` naming the first claim that is not as section 10 says; fields
    the receipt has beyond those are ignored."""
    for name in ("iss", "aud"):
        if not isinstance(payload.get(name), str) or not 0 < len(payload[name]) <= NODE_ID_LENGTH:
            raise ReceiptRejected(f"The receipt's {name} is not a node id.")
    if payload.get("kind") not in KINDS:
        raise ReceiptRejected(f"The receipt's kind {str(payload.get('kind'))[:20]!r} is unknown.")
    subject = payload.get("subject")
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_LENGTH:
        raise ReceiptRejected("The receipt's subject is not a visit or registration id.")
    if payload.get("jti") != receipt_id(subject, payload["kind"]):
        raise ReceiptRejected("The receipt's id does not match its subject and kind.")
    if not isinstance(payload.get("period"), str) or not _PERIOD.match(payload["period"]):
        raise ReceiptRejected("The receipt's period is not YYYY-MM.")
    for name in COUNTS:
        if not _whole(payload.get(name), MAX_COUNT):
            raise ReceiptRejected(f"The receipt's {name} is not a count.")
    response = payload.get("response_seconds")
    if response is not None and not _whole(response, MAX_SECONDS):
        raise ReceiptRejected("The receipt's response_seconds is not a duration.")
    if not _whole(payload.get("iat"), MAX_TIMESTAMP):
        raise ReceiptRejected("The receipt has no issue time.")


def _whole(value, highest: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= highest
