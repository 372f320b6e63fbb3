"""Registry signing and the refusals a member applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import generate_key
from federation.registry import RegistryRejected, sign_registry, verify_registry

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def coordinator():
    return generate_key()


def payload(version=3, lifetime=timedelta(days=3)):
    return {
        "iss": "coordinator",
        "version": version,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + lifetime).timestamp()),
        "coordinator_keys": {"keys": []},
        "nodes": [],
    }


def trusted(key):
    return {key.key_id: key.public_jwk()}


def test_a_registry_signed_by_the_pinned_key_is_accepted(coordinator):
    token = sign_registry(payload(), coordinator)
    assert verify_registry(token, trusted(coordinator), held_version=3, now=NOW)["version"] == 3


@pytest.mark.parametrize(
    ("token_of", "held", "now", "reason"),
    [
        (lambda c: sign_registry(payload(), generate_key()), 0, NOW, "not the pinned coordinator key"),
        (lambda c: sign_registry(payload(lifetime=timedelta(seconds=-1)), c), 0, NOW, "expired"),
        (lambda c: sign_registry(payload(version=2), c), 3, NOW, "older than version 3"),
        (lambda c: sign_registry(payload(), c), 0, NOW - timedelta(hours=1), "future"),
        (lambda c: "not.a.jws", 0, NOW, "JWS"),
    ],
)
def test_refusals(coordinator, token_of, held, now, reason):
    with pytest.raises(RegistryRejected, match=reason):
        verify_registry(token_of(coordinator), trusted(coordinator), held_version=held, now=now)


def test_a_tampered_payload_is_refused(coordinator):
    header, body, signature = sign_registry(payload(), coordinator).split(".")
    forged_body = sign_registry({**payload(), "nodes": [{"node_id": "evil"}]}, coordinator).split(".")[1]
    with pytest.raises(RegistryRejected, match="signature"):
        verify_registry(f"{header}.{forged_body}.{signature}", trusted(coordinator), now=NOW)
