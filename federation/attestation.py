"""Membership attestations: the home node vouches that a person belongs to one of its active
member companies, for one visit request to one host (eduroam's split: the home knows its
members, the host trusts the home).

Wire format: a JWS in compact serialisation, ``alg`` ``Ed25519``, ``kid`` the home key's RFC 7638
thumbprint, ``typ`` ``roaming-attestation+jwt``. The payload::

    {"iss": home node id, "aud": host node id, "iat": t, "exp": t (short: minutes),
     "visit_id": the request's id,
     "company": {"ref": pseudonym, "name", "country", "status": "active"},
     "person": {"ref": pseudonym, "name", "email", "language"}}

The ``ref`` values are stable pseudonyms (the host counts visits per company with them, without
learning the home node's internal ids). Only what the host needs for the visit is included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from federation.keys import NodeKey

ALGORITHM = "Ed25519"
TYPE = "roaming-attestation+jwt"
LIFETIME_SECONDS = 600
CLOCK_SKEW_SECONDS = 60


class AttestationRejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sign_attestation(claims: dict, key: NodeKey, *, issuer: str, audience: str, now: datetime | None = None) -> str:
    issued = int((now or datetime.now(UTC)).timestamp())
    payload = {"iss": issuer, "aud": audience, "iat": issued, "exp": issued + LIFETIME_SECONDS, **claims}
    header = {"alg": ALGORITHM, "kid": key.key_id, "typ": TYPE}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, key.key, algorithms=[ALGORITHM])


def verify_attestation(
    token: str,
    *,
    issuer: str,
    audience: str,
    issuer_key: Callable[[str], dict | None],
    visit_id: str,
    now: datetime | None = None,
) -> dict:
    """The payload of an attestation by ``issuer`` (the node that sent the request) for this node
    and this visit. ``issuer_key`` maps a key id to that node's public JWK (None: not its key).

    Raises ``AttestationRejected`` naming the reason: wrong signer, bad signature, expired, meant for
    another node or another visit, or a company that is not active.
    """
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeError) as error:
        raise AttestationRejected(f"The attestation is not a compact JWS: {error}") from None
    if header.get("alg") != ALGORITHM or header.get("typ") != TYPE:
        raise AttestationRejected("The attestation has an unexpected JWS header.")
    jwk = issuer_key(str(header.get("kid")))
    if jwk is None:
        raise AttestationRejected("The attestation is not signed by a key of the node that sent the request.")
    try:
        payload = json.loads(jws.deserialize_compact(token, OKPKey.import_key(jwk), algorithms=[ALGORITHM]).payload)
    except (JoseError, ValueError) as error:
        raise AttestationRejected(f"Bad attestation signature: {error}") from None
    timestamp = int((now or datetime.now(UTC)).timestamp())
    if payload.get("iss") != issuer:
        raise AttestationRejected("The attestation was issued by another node than the one that sent the request.")
    if payload.get("aud") != audience:
        raise AttestationRejected("The attestation is meant for another host.")
    if payload.get("visit_id") != visit_id:
        raise AttestationRejected("The attestation is for another visit request.")
    if not isinstance(payload.get("exp"), int) or payload["exp"] + CLOCK_SKEW_SECONDS <= timestamp:
        raise AttestationRejected("The attestation has expired.")
    if not isinstance(payload.get("iat"), int) or payload["iat"] > timestamp + CLOCK_SKEW_SECONDS:
        raise AttestationRejected("The attestation was issued in the future.")
    company, person = payload.get("company"), payload.get("person")
    if not isinstance(company, dict) or not isinstance(person, dict):
        raise AttestationRejected("The attestation names no company or no person.")
    if company.get("status") != "active":
        raise AttestationRejected("The visitor's company is not an active member of its home cluster.")
    for part, required in ((company, ("ref", "name", "country")), (person, ("ref", "name", "email"))):
        if any(not isinstance(part.get(name), str) or not part[name] for name in required):
            raise AttestationRejected("The attestation lacks the visitor's name, email or company.")
    return payload
