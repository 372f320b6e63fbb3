"""Needs attention in the JSON API, for staff: what the node stopped trying on its own, and
retrying or dropping an item (409 when someone else did first)."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.accounts.security import STAFF, secured
from roaming.attention import operations as attention
from roaming.attention.schemas import AttentionItemSchema
from roaming.errors import NotFound
from roaming.schemas import ErrorSchema

blp = Blueprint(
    "attention", __name__, url_prefix="/api/attention", description="What the node stopped trying: retry or drop it"
)


@blp.get("")
@secured(blp, *STAFF)
@blp.response(200, AttentionItemSchema(many=True))
def needs_attention():
    """Everything set aside, most recent first"""
    return attention.items()


@blp.post("/<kind>/<int:item_id>/<action>")
@secured(blp, *STAFF)
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema, description="No such kind of item, or action")
@blp.alt_response(409, schema=ErrorSchema, description="Not set aside (any more): its state now")
def act(kind, item_id, action):
    """Retry the item (at once, with a fresh count of tries) or drop it (a message or e-mail is
    deleted; a visit request or registration is withdrawn and its visitor told)"""
    if action not in attention.ACTIONS:
        raise NotFound(f"No action {action}: retry or drop.")
    attention.retry(kind, item_id) if action == "retry" else attention.drop(kind, item_id)
