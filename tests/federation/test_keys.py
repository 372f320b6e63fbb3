"""Key ids and staged key rotation."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import KeyRing, RotationInProgress, generate_key, load_key, save_key

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_key_id_is_the_rfc_7638_thumbprint():
    key = generate_key()
    jwk = key.public_jwk()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":")).encode()
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    assert key.key_id == jwk["kid"] == expected
    assert "d" not in jwk  # never the private part


def test_keys_are_never_overwritten(tmp_path):
    save_key(generate_key(), tmp_path)
    with pytest.raises(FileExistsError):
        save_key(generate_key(), tmp_path)


def test_rotation_publishes_first_then_signs_then_retires(tmp_path):
    original = generate_key()
    save_key(original, tmp_path)
    ring = KeyRing(tmp_path)

    new = ring.start_rotation(timedelta(hours=1), timedelta(minutes=15), now=T0)
    assert ring.signing_key(T0).key_id == original.key_id
    assert {k.key_id for k in ring.published_keys(T0)} == {original.key_id, new.key_id}
    with pytest.raises(RotationInProgress):
        ring.start_rotation(timedelta(hours=1), timedelta(minutes=15), now=T0)

    after_activation = T0 + timedelta(hours=1, seconds=1)
    assert ring.signing_key(after_activation).key_id == new.key_id
    assert {k.key_id for k in ring.published_keys(after_activation)} == {original.key_id, new.key_id}

    after_retirement = T0 + timedelta(hours=1, minutes=16)
    assert [k.key_id for k in ring.published_keys(after_retirement)] == [new.key_id]
    assert ring.schedule() == {}
    assert load_key(tmp_path).key_id == new.key_id


def test_a_crash_between_the_renames_is_completed(tmp_path):
    save_key(generate_key(), tmp_path)
    ring = KeyRing(tmp_path)
    new = ring.start_rotation(timedelta(0), timedelta(minutes=15), now=T0)
    (tmp_path / "keys" / "current.pem").rename(tmp_path / "keys" / "previous.pem")  # as if cut off here
    assert ring.signing_key(T0 + timedelta(seconds=1)).key_id == new.key_id
