"""Schemas for peers and for what peers send us (checked before anything is stored)."""

from __future__ import annotations

from marshmallow import INCLUDE, fields, validate

from roaming.agreement.schemas import TermsSchema
from roaming.peers.models import PeerStatus, TrustSource
from roaming.schemas import BaseSchema, WireSchema, text


class PeerSchema(BaseSchema):
    id = fields.Integer()
    node_id = fields.String()
    name = fields.String()
    country = fields.String(allow_none=True)
    base_url = fields.String()
    status = fields.Enum(PeerStatus, by_value=True)
    trust = fields.Enum(TrustSource, by_value=True)
    key_ids = fields.Function(lambda peer: sorted(key.key_id for key in peer.keys))
    sync_cursor = fields.Integer()
    last_synced_at = fields.AwareDateTime(allow_none=True)
    last_sync_error = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    breaker_open_until = fields.AwareDateTime(allow_none=True)
    unavailable_since = fields.AwareDateTime(allow_none=True)
    last_delivery_error = fields.String(allow_none=True)


class PeerStatusSchema(BaseSchema):
    peer = fields.Nested(PeerSchema)
    queued = fields.Integer(attribute="pending")
    delivered = fields.Integer()
    failed = fields.Integer()
    stale = fields.Boolean(metadata={"description": "Our copy of its catalogue is older than 3 sync intervals"})


class NodeMetadataInSchema(BaseSchema):
    """A peer's ``/.well-known/roaming-node``; fields we do not know are ignored (newer peers)."""

    class Meta:
        unknown = INCLUDE

    node_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(allow_none=True, validate=validate.Length(equal=2))
    base_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    jwks_uri = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    protocol_versions = fields.List(fields.String(), required=True)


class FeedChangeSchema(WireSchema):
    seq = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=30))  # unknown kinds are skipped
    uid = fields.String(required=True, validate=validate.Length(min=1, max=36))
    deleted = fields.Boolean(required=True)
    item = fields.Dict(allow_none=True, required=True)


class FeedSchema(WireSchema):
    changes = fields.List(fields.Nested(FeedChangeSchema), required=True)
    cursor = fields.Integer(required=True, validate=validate.Range(min=0))
    more = fields.Boolean(required=True)


class NoticeSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    type = fields.String(required=True, validate=validate.OneOf(["catalogue.changed"]))
    seq = fields.Integer(validate=validate.Range(min=0))


class TermsVariationSchema(BaseSchema):
    peer = fields.Function(lambda row: row.peer.node_id, dump_only=True)
    changes = fields.Nested(TermsSchema, required=True)
    note = text(1000, load_default="")
    updated_at = fields.AwareDateTime(dump_only=True)
