"""The well-known documents."""

from __future__ import annotations

import pytest

from federation.keys import KeyRing, load_key
from roaming.cli import cli

pytestmark = pytest.mark.one_database(reason="keys and metadata come from the instance folder")


def test_jwks_publishes_the_signing_key(client, instance_path):
    keys = client.get("/.well-known/jwks.json").json["keys"]
    assert [key["kid"] for key in keys] == [load_key(instance_path).key_id]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]


def test_jwks_shows_the_next_key_during_a_rotation(app, client, instance_path):
    result = app.test_cli_runner().invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert len(client.get("/.well-known/jwks.json").json["keys"]) == 2
    assert KeyRing(instance_path).signing_key().key_id == load_key(instance_path).key_id


def test_node_metadata(client, make_profile):
    make_profile(visitor_contact_role="International desk", visitor_contact_email="roaming@cyberforum.example")
    metadata = client.get("/.well-known/roaming-node").json
    assert metadata["name"] == "CyberForum" and metadata["country"] == "DE"
    assert metadata["base_url"] == "http://127.0.0.1:5000"
    assert metadata["jwks_uri"] == "http://127.0.0.1:5000/.well-known/jwks.json"
    assert metadata["protocol_versions"] == ["roaming-v1"]
    assert metadata["visitor_contact"] == {"role": "International desk", "email": "roaming@cyberforum.example"}
    assert metadata["node_id"] == client.get("/.well-known/roaming-node").json["node_id"]
