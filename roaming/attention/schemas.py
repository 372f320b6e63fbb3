"""What the needs-attention endpoints give."""

from __future__ import annotations

from marshmallow import fields

from roaming.schemas import BaseSchema


class AttentionItemSchema(BaseSchema):
    kind = fields.String(metadata={"description": "message (to a partner), visit, registration or notification"})
    id = fields.Integer()
    subject = fields.String(metadata={"description": "A message's path, a visitor's name, an e-mail's subject"})
    detail = fields.String(metadata={"description": "A message's id, a visit's dates, an event, an e-mail's recipient"})
    partner = fields.String(allow_none=True, metadata={"description": "The partner cluster it goes to, if any"})
    last_error = fields.String(allow_none=True)
    attempts = fields.Integer(metadata={"description": "Tries made"})
    since = fields.AwareDateTime(metadata={"description": "When it was set aside"})
