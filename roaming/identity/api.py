"""The well-known documents every node publishes."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.identity import operations as ops
from roaming.identity.schemas import JwksSchema, NodeMetadataSchema

blp = Blueprint("identity", __name__, url_prefix="/.well-known", description="Node identity for the federation")


@blp.get("/jwks.json")
@blp.response(200, JwksSchema)
def jwks():
    """The node's published signing keys (current, and next or previous during a rotation)"""
    return ops.jwks()


@blp.get("/roaming-node")
@blp.response(200, NodeMetadataSchema)
def node_metadata():
    """The node's id, name, country, base URL, protocol versions and visitor contact"""
    return ops.metadata()
