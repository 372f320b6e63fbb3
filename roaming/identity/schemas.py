"""Schemas of the well-known documents (for the OpenAPI description and docs/protocol.md)."""

from __future__ import annotations

from marshmallow import fields

from roaming.schemas import BaseSchema


class JwkSchema(BaseSchema):
    kty = fields.String(metadata={"description": "OKP"})
    crv = fields.String(metadata={"description": "Ed25519"})
    x = fields.String(metadata={"description": "The public key, base64url"})
    kid = fields.String(metadata={"description": "RFC 7638 thumbprint"})
    alg = fields.String()
    use = fields.String()


class JwksSchema(BaseSchema):
    keys = fields.List(fields.Nested(JwkSchema))


class ContactSchema(BaseSchema):
    role = fields.String(allow_none=True)
    email = fields.String()


class NodeMetadataSchema(BaseSchema):
    node_id = fields.String()
    name = fields.String()
    country = fields.String(allow_none=True)
    base_url = fields.String()
    protocol_versions = fields.List(fields.String())
    jwks_uri = fields.String()
    visitor_contact = fields.Nested(ContactSchema, allow_none=True)
