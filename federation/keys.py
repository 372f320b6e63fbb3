"""A node's Ed25519 signing keys, kept as PEM files in the instance's ``keys/`` folder.

The key id of a key is its RFC 7638 JWK thumbprint, so anyone can recompute it from the public key.

Rotation is staged so that no peer ever sees a signature from a key it has not been shown:

1. ``start_rotation`` writes ``next.pem``: published at once, not yet used to sign;
2. after ``activate_after`` (at least one registry refresh interval, so every peer has fetched it)
   ``next`` becomes ``current`` and the old key becomes ``previous``;
3. ``previous`` stays published for ``retire_after`` (the replay window, so signatures made just
   before the switch still verify) and is then deleted.

The due steps are applied by ``advance``, which every reader calls, under a file lock so that
several worker processes never apply the same step twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from joserfc.jwk import OKPKey

KEYS_DIR = "keys"
CURRENT, NEXT, PREVIOUS = "current.pem", "next.pem", "previous.pem"
SCHEDULE = "rotation.json"
LOCK = ".lock"


@dataclass(frozen=True)
class NodeKey:
    key: OKPKey

    @cached_property
    def key_id(self) -> str:
        return self.key.thumbprint()

    def public_jwk(self) -> dict:
        return {**self.key.as_dict(private=False), "kid": self.key_id, "alg": "Ed25519", "use": "sig"}


def public_jwk_of(jwk: dict) -> dict:
    """Only the public members of an Ed25519 JWK; raises KeyError/ValueError if it is not one."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 key")
    return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}


def thumbprint_of(jwk: dict) -> str:
    """The RFC 7638 key id, recomputed from the key itself (a ``kid`` member proves nothing)."""
    return OKPKey.import_key(public_jwk_of(jwk)).thumbprint()


def public_key_of(jwk: dict):
    """The ``cryptography`` public key object of an Ed25519 JWK."""
    return OKPKey.import_key(public_jwk_of(jwk)).public_key


def generate_key() -> NodeKey:
    return NodeKey(OKPKey.generate_key("Ed25519"))


def save_key(node_key: NodeKey, instance_path: str | os.PathLike, name: str = CURRENT) -> Path:
    """Write a private key, readable by the owner only; refuses to overwrite a key."""
    folder = Path(instance_path) / KEYS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(node_key.key.as_pem(private=True))
    return path


_parsed_keys: dict[Path, tuple[tuple[int, int, int], NodeKey]] = {}  # path -> (file version, key)


def load_key(instance_path: str | os.PathLike, name: str = CURRENT) -> NodeKey:
    """The key in that file, parsed once per version of the file (a rotation replaces the file,
    so the next call reads the new key)."""
    path = Path(instance_path) / KEYS_DIR / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"No signing key at {KEYS_DIR}/{name} in the instance; run 'roaming init'.") from None
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    held = _parsed_keys.get(path)
    if held is None or held[0] != version:
        held = _parsed_keys[path] = (version, NodeKey(OKPKey.import_key(path.read_bytes())))
    return held[1]


class RotationInProgress(Exception):
    pass


@dataclass(frozen=True)
class KeyRing:
    """The keys of one instance folder."""

    instance_path: Path

    @property
    def folder(self) -> Path:
        return Path(self.instance_path) / KEYS_DIR

    def signing_key(self, now: datetime | None = None) -> NodeKey:
        self.advance(now)
        return load_key(self.instance_path, CURRENT)

    def published_keys(self, now: datetime | None = None) -> list[NodeKey]:
        """Every key a peer may see a signature from: current, next and previous."""
        self.advance(now)
        return [
            load_key(self.instance_path, name) for name in (CURRENT, NEXT, PREVIOUS) if (self.folder / name).exists()
        ]

    def start_rotation(
        self, activate_after: timedelta, retire_after: timedelta, now: datetime | None = None
    ) -> NodeKey:
        """Publish a new key now; it signs from ``now + activate_after``."""
        now = now or datetime.now(UTC)
        self.advance(now)
        if (self.folder / NEXT).exists():
            raise RotationInProgress("A rotation is under way already: the next key is published, not yet active.")
        new_key = generate_key()
        save_key(new_key, self.instance_path, NEXT)
        self._write_schedule(
            {
                "activate_next_at": (now + activate_after).isoformat(),
                "retire_after_seconds": int(retire_after.total_seconds()),
            }
        )
        return new_key

    def schedule(self) -> dict:
        path = self.folder / SCHEDULE
        return json.loads(path.read_text()) if path.exists() else {}

    def advance(self, now: datetime | None = None) -> None:
        """Apply the rotation steps that are due (under a lock shared by the node's processes)."""
        now = now or datetime.now(UTC)
        if not (self.folder / SCHEDULE).exists():
            return
        with open(self.folder / LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._advance_locked(now)

    def _advance_locked(self, now: datetime) -> None:
        plan = self.schedule()
        activate = plan.get("activate_next_at")
        if activate and now >= datetime.fromisoformat(activate) and (self.folder / NEXT).exists():
            if (self.folder / CURRENT).exists():  # absent only after a crash between the two renames
                os.replace(self.folder / CURRENT, self.folder / PREVIOUS)
            os.replace(self.folder / NEXT, self.folder / CURRENT)
            retire_at = datetime.fromisoformat(activate) + timedelta(seconds=plan["retire_after_seconds"])
            self._write_schedule({"retire_previous_at": retire_at.isoformat()})
            plan = self.schedule()
        retire = plan.get("retire_previous_at")
        if retire and now >= datetime.fromisoformat(retire):
            (self.folder / PREVIOUS).unlink(missing_ok=True)
            (self.folder / SCHEDULE).unlink(missing_ok=True)

    def _write_schedule(self, plan: dict) -> None:
        temporary = self.folder / f".{SCHEDULE}.{os.getpid()}"
        temporary.write_text(json.dumps(plan))
        os.replace(temporary, self.folder / SCHEDULE)
