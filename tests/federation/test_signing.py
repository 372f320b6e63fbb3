"""The signature profile, and the RFC 9421 Appendix B.2.6 Ed25519 test vector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, MappingKeyResolver, algorithms

from federation.keys import generate_key
from federation.signing import (
    KeyUnavailable,
    MemoryNonceStore,
    Request,
    SignatureRejected,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)

VECTOR = (Path(__file__).parents[3] / "shared" / "reference" / "rfc9421-ed25519-vector.md").read_text()
RFC_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
RFC_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");'
    'created=1618884473;keyid="test-key-ed25519"'
)


def _rfc_request():
    return Request(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        {
            "Host": "example.com",
            "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
            "Content-Type": "application/json",
            "Content-Digest": (
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
            ),
            "Content-Length": "18",
        },
    )


def test_the_constants_here_are_the_rfc_vector():
    for fact in (RFC_SIGNATURE, RFC_INPUT, RFC_PUBLIC.decode().splitlines()[1], RFC_PRIVATE.decode().splitlines()[1]):
        assert fact in VECTOR


def test_rfc_9421_b26_signing_reproduces_the_signature():
    request = _rfc_request()
    resolver = MappingKeyResolver(
        public_keys={}, private_keys={"test-key-ed25519": load_pem_private_key(RFC_PRIVATE, None)}
    )
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver).sign(
        request,
        key_id="test-key-ed25519",
        created=datetime.fromtimestamp(1618884473, UTC),
        label="sig-b26",
        include_alg=False,
        covered_component_ids=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        use_existing_digest=True,  # the vector's own Content-Digest, not covered by B.2.6
    )
    assert request.headers["Signature-Input"] == RFC_INPUT
    assert request.headers["Signature"] == RFC_SIGNATURE


def test_rfc_9421_b26_signature_verifies():
    request = _rfc_request()
    request.headers.update({"Signature-Input": RFC_INPUT, "Signature": RFC_SIGNATURE})
    resolver = MappingKeyResolver(public_keys={"test-key-ed25519": load_pem_public_key(RFC_PUBLIC)}, private_keys={})
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    (result,) = verifier.verify(request, max_age=None)  # the vector was made in 2021
    assert result.parameters["keyid"] == "test-key-ed25519"


def test_an_rfc_signature_outside_our_profile_is_refused():
    """B.2.6 covers neither the query nor the digest, and has no tag: not enough for us."""
    request = _rfc_request()
    request.headers.update({"Signature-Input": RFC_INPUT, "Signature": RFC_SIGNATURE})
    with pytest.raises(SignatureRejected):
        verify_request(
            request.method,
            request.url,
            request.headers,
            b'{"hello": "world"}',
            lambda _: load_pem_public_key(RFC_PUBLIC),
            MemoryNonceStore(),
        )


URL = "https://host.example/federation/visits?x=1"
BODY = b'{"visit": "v-1"}'


@pytest.fixture
def sender():
    return generate_key()


@pytest.fixture
def signed(sender):
    return sign_request("POST", URL, {"Content-Type": "application/json"}, BODY, sender.key.private_key, sender.key_id)


def _verify(sender, headers, *, method="POST", url=URL, body=BODY, nonces=None, known=True):
    keys = {sender.key_id: sender.key.public_key} if known else {}
    return verify_request(method, url, headers, body, keys.get, nonces or MemoryNonceStore())


def test_a_signed_request_verifies_once(sender, signed):
    nonces = MemoryNonceStore()
    verified = _verify(sender, signed, nonces=nonces)
    assert verified.key_id == sender.key_id and len(verified.nonce) >= 22  # 128 bits, base64
    with pytest.raises(SignatureRejected, match="Replay"):
        _verify(sender, signed, nonces=nonces)


def test_the_profile_covers_what_it_promises(signed):
    params = signed["Signature-Input"]
    assert params.startswith('roaming=("@method" "@target-uri" "content-type" "content-digest")')
    for parameter in ("created=", "expires=", "nonce=", "keyid=", 'tag="roaming-v1"', 'alg="ed25519"'):
        assert parameter in params


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": b'{"visit": "v-2"}'}, "Content-Digest does not match"),
        ({"url": "https://host.example/federation/other?x=1"}, "does not match"),
        ({"url": "https://host.example/federation/visits?x=2"}, "does not match"),
        ({"url": "https://elsewhere.example/federation/visits?x=1"}, "does not match"),
        ({"method": "PUT"}, "does not match"),
        ({"headers": {"Content-Type": "text/plain"}}, "does not match"),
        ({"known": False}, "Unknown key id"),
    ],
)
def test_tampering_is_refused(sender, signed, change, reason):
    headers = {**signed, **change.pop("headers", {})}
    with pytest.raises(SignatureRejected, match=reason):
        _verify(sender, headers, **change)


def test_a_missing_signature_or_digest_is_refused(sender, signed):
    with pytest.raises(SignatureRejected, match="Signature-Input"):
        _verify(sender, {"Content-Type": "application/json"})
    unsigned_body = sign_request("POST", URL, {}, None, sender.key.private_key, sender.key_id)
    with pytest.raises(SignatureRejected):
        _verify(sender, unsigned_body)  # a body arrived that no digest covers


def _signed_at(sender, offset: timedelta):
    """A signed request as if made ``offset`` from now."""
    return sign_request(
        "POST",
        URL,
        {"Content-Type": "application/json"},
        BODY,
        sender.key.private_key,
        sender.key_id,
        now=datetime.now(UTC) + offset,
    )


def test_expired_and_future_signatures_are_refused(sender):
    with pytest.raises(SignatureRejected, match="past|age"):
        _verify(sender, _signed_at(sender, timedelta(minutes=-10)))
    with pytest.raises(SignatureRejected, match="future"):
        _verify(sender, _signed_at(sender, timedelta(minutes=5)))


def test_small_clock_skew_is_tolerated(sender):
    assert _verify(sender, _signed_at(sender, timedelta(seconds=30))).key_id == sender.key_id


def test_a_temporary_key_lookup_failure_is_not_a_rejection(sender, signed):
    def registry_down(_key_id):
        raise KeyUnavailable("registry unreachable")

    with pytest.raises(KeyUnavailable):
        verify_request("POST", URL, signed, BODY, registry_down, MemoryNonceStore())


def test_signed_responses_are_bound_to_their_request(sender):
    body = b'{"changes": []}'
    headers = sign_response(
        200, {"Content-Type": "application/json"}, body, "GET", URL, sender.key.private_key, sender.key_id
    )
    keys = {sender.key_id: sender.key.public_key}.get
    assert verify_response(200, headers, body, "GET", URL, keys).key_id == sender.key_id
    with pytest.raises(SignatureRejected):
        verify_response(200, headers, body, "GET", URL + "&since=5", keys)
    with pytest.raises(SignatureRejected):
        verify_response(200, headers, b'{"changes": [1]}', "GET", URL, keys)
    with pytest.raises(SignatureRejected):
        verify_response(500, headers, body, "GET", URL, keys)
