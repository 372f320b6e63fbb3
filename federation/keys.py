"""A node's Ed25519 signing keys, stored as PEM files in the instance's ``keys/`` folder.

The key id of a key is its RFC 7638 JWK thumbprint, so any party can recompute it from the
public key alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from joserfc.jwk import OKPKey

KEYS_DIR = "keys"
CURRENT_KEY_FILE = "current.pem"


@dataclass(frozen=True)
class NodeKey:
    key: OKPKey

    @property
    def key_id(self) -> str:
        return self.key.thumbprint()

    def public_jwk(self) -> dict:
        return {**self.key.as_dict(private=False), "kid": self.key_id, "alg": "EdDSA", "use": "sig"}


def generate_key() -> NodeKey:
    return NodeKey(OKPKey.generate_key("Ed25519"))


def save_key(node_key: NodeKey, instance_path: str | os.PathLike, name: str = CURRENT_KEY_FILE) -> Path:
    """Write the private key, readable by the owner only; refuses to overwrite a key."""
    folder = Path(instance_path) / KEYS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(node_key.key.as_pem(private=True))
    return path


def load_key(instance_path: str | os.PathLike, name: str = CURRENT_KEY_FILE) -> NodeKey:
    path = Path(instance_path) / KEYS_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"No signing key at {KEYS_DIR}/{name} in the instance; run 'roaming init'.")
    return NodeKey(OKPKey.import_key(path.read_bytes()))
