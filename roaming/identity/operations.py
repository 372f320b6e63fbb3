"""The node's identity: its id, its public metadata and its key ring."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from federation.keys import KeyRing, NodeKey
from federation.signing import TAG
from roaming.catalogue.models import ClusterProfile
from roaming.db import session

PROTOCOL_VERSIONS = (TAG,)


def node_id() -> str:
    """The configured id, or one derived from the base URL for instances made before ids."""
    return current_app.config["NODE_ID"] or str(uuid.uuid5(uuid.NAMESPACE_URL, current_app.config["BASE_URL"]))


def key_ring() -> KeyRing:
    return KeyRing(Path(current_app.instance_path))


def jwks() -> dict:
    return {"keys": [key.public_jwk() for key in key_ring().published_keys()]}


def metadata() -> dict:
    """What peers and the coordinator learn about this node at ``/.well-known/roaming-node``."""
    config = current_app.config
    base_url = config["BASE_URL"].rstrip("/")
    profile = session.scalar(select(ClusterProfile))
    contact = None
    if profile and profile.visitor_contact_email:
        contact = {"role": profile.visitor_contact_role, "email": profile.visitor_contact_email}
    return {
        "node_id": node_id(),
        "name": profile.name if profile else config["NODE_NAME"],
        "country": profile.country if profile else config["NODE_COUNTRY"],
        "base_url": base_url,
        "protocol_versions": list(PROTOCOL_VERSIONS),
        "jwks_uri": f"{base_url}/.well-known/jwks.json",
        "visitor_contact": contact,
    }


def rotate_keys() -> NodeKey:
    """Publish a new signing key, active after the configured delay."""
    config = current_app.config
    return key_ring().start_rotation(
        activate_after=timedelta(seconds=config["KEY_ACTIVATE_AFTER_SECONDS"]),
        retire_after=timedelta(seconds=config["KEY_RETIRE_AFTER_SECONDS"]),
    )
