"""Registration messages between nodes (under /federation/events/registrations), signed both ways.
See docs/protocol.md, "Event registrations"."""

from __future__ import annotations

from flask import Blueprint, g

from roaming import signals
from roaming.db import session
from roaming.events import attending, hosting
from roaming.events.documents import document
from roaming.events.schemas import WireMessageSchema, WireRegistrationSchema, WireRegistrationUpdateSchema
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json

bp = Blueprint("federation_events", __name__, url_prefix="/federation/events/registrations")


@bp.post("")
@signed_by_peer
def register():
    """A registration with the home node's attestation: 201 with the registration document (a
    seat or a place on the waiting list), 200 when the same id was received before."""
    registration, created = hosting.receive_registration(g.peer, json_body(WireRegistrationSchema()))
    return signed_json(document(registration), 201 if created else 200)


@bp.post("/<uid>/cancel")
@signed_by_peer
def cancel(uid: str):
    """The member cancels through their home node; the next on the waiting list moves up."""
    data = json_body(WireMessageSchema())
    if accept_once(g.peer, data["message_id"]):
        registration = hosting.cancel_from_home(g.peer, uid)
    else:
        registration = hosting.hosted_registration_of(g.peer, uid)
    return signed_json(document(registration))


@bp.post("/updates")
@signed_by_peer
def update():
    """The event's host tells us what one of our members' registrations is now: 202, or 422
    naming the receipts in it that we refused (the rest of the update is applied). Commits also when
    the answer is 422: the update is applied, only receipts refused."""
    data = json_body(WireRegistrationUpdateSchema())
    if accept_once(g.peer, data["message_id"]):
        attending.apply_host_document(g.peer, data["registration"])
    session.commit()  # kept also when the answer is 422: the update is applied, only receipts refused
    refused = signals.answers(signals.refused_receipts, data["registration"].get("receipts"))
    return signed_json(refused[0], 422) if refused else signed_json({"accepted": True}, 202)
