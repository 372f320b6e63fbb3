"""Agreement terms as data.

The federation's defaults are the real BRA's: free facilities for at most 5 consecutive working
days per visit (desk, meeting room, internet, introductions to the cluster management), member
rates beyond that, local events at member rate, and the host decides. The coordinator publishes
the federation's terms in the signed registry (from its ``AGREEMENT_TERMS`` setting); a node with
no coordinator uses its own ``AGREEMENT_TERMS``. A host may vary them for one partner cluster
(``TermsVariation``); the host's effective terms for a visitor's home cluster are what count, and
the visitor is shown them before asking.
"""

from __future__ import annotations

import difflib
import re

from flask import current_app
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select

from roaming.config import ConfigurationError
from roaming.db import session
from roaming.peers.models import Peer
from roaming.schemas import BaseSchema, text
from roaming.visits.models import TermsVariation

BRA_TERMS: dict = {
    "free_days_per_visit": 5,
    "visits_per_company_per_year": None,
    "included_services": ["desk", "meeting_room", "internet", "introductions"],
    "beyond_free_days": "member_rate",
    "events_at_member_rate": True,
    "desk_confirmation": "approval",
    "approval_deadline_hours": 72,
    "cancellation_deadline_hours": 24,
    "checkin_by": "11:00",
    "max_people": 3,
}

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


_KIND = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def _service_kinds(values: list[str]) -> None:
    """Kind names only: federation-wide terms may name kinds that some nodes' plugins add."""
    bad = [value for value in values if not _KIND.match(value)]
    if bad:
        raise ValidationError(f"Not service kind names: {', '.join(bad)}.")


class TermsSchema(BaseSchema):
    free_days_per_visit = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Consecutive working days per visit free of charge (BRA: 5)"},
    )
    visits_per_company_per_year = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=366),
        metadata={"description": "Visits a member company may make to this host per calendar year; null: no limit"},
    )
    included_services = fields.List(
        fields.String(), validate=_service_kinds, metadata={"description": "Service kinds free within the free days"}
    )
    beyond_free_days = fields.String(
        validate=validate.OneOf(["member_rate", "refuse"]),
        metadata={"description": "Days beyond the free ones: charged at member rate, or refused"},
    )
    events_at_member_rate = fields.Boolean()
    desk_confirmation = fields.String(
        validate=validate.OneOf(["instant", "approval"]),
        metadata={"description": "instant: confirmed when a seat is free; approval: host staff decide"},
    )
    approval_deadline_hours = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=24 * 30),
        metadata={"description": "A request not decided within this many hours expires"},
    )
    cancellation_deadline_hours = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=24 * 30),
        metadata={"description": "A visitor may cancel a day until this many hours before it begins"},
    )
    checkin_by = fields.String(
        validate=validate.Regexp(_TIME, error="A time HH:MM is expected."),
        metadata={"description": "Local time by which a visitor checks in, or the day's seat is released"},
    )
    max_people = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))


class TermsVariationSchema(BaseSchema):
    peer = fields.Function(lambda row: row.peer.node_id, dump_only=True)
    changes = fields.Nested(TermsSchema, required=True)
    note = text(1000, load_default="")
    updated_at = fields.AwareDateTime(dump_only=True)


def validated(changes: dict, field: str = "AGREEMENT_TERMS") -> dict:
    """Terms (complete or partial) checked against the schema; raises ``ValidationError``."""
    try:
        return TermsSchema(partial=True).load(changes)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def check_config(app) -> None:
    """Refuse to start with agreement terms that do not validate: one line per bad key, as
    ``agreement_terms.max_pepole: unknown term; did you mean max_people?`` (the key is set in
    roaming.toml's ``[agreement_terms]`` table or by ``ROAMING_AGREEMENT_TERMS__<KEY>``)."""
    try:
        validated(app.config.get("AGREEMENT_TERMS") or {})
    except ValidationError as error:
        known = sorted(TermsSchema().fields)
        lines = []
        for key, messages in sorted(error.messages["AGREEMENT_TERMS"].items()):
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]}?" if close else f"the terms are {', '.join(known)}"
                lines.append(f"agreement_terms.{key}: unknown term; {hint}")
            else:
                lines.append(f"agreement_terms.{key}: {' '.join(messages)}")
        raise ConfigurationError(
            "\n".join(lines) + "\n(set in roaming.toml's [agreement_terms] table or by ROAMING_AGREEMENT_TERMS__<KEY>)"
        ) from None


def federation_terms() -> dict:
    """The federation's defaults as this node knows them: the registry's when it carries terms,
    else this node's own ``AGREEMENT_TERMS`` over the BRA's."""
    from roaming.peers.registry import held_terms

    published = held_terms()
    if published is not None:
        return {**BRA_TERMS, **published}
    return local_terms()


def local_terms() -> dict:
    return {**BRA_TERMS, **validated(current_app.config.get("AGREEMENT_TERMS") or {})}


def variation_for(peer: Peer) -> TermsVariation | None:
    return session.scalar(select(TermsVariation).where(TermsVariation.peer_id == peer.id))


def effective_terms(peer: Peer) -> dict:
    """The terms this node, as host, applies to visitors from ``peer``."""
    variation = variation_for(peer)
    return {**federation_terms(), **(variation.changes if variation else {})}


def set_variation(peer: Peer, changes: dict, note: str = "") -> TermsVariation:
    variation = variation_for(peer) or TermsVariation(peer=peer)
    variation.changes, variation.note = validated(changes, "changes"), note
    session.add(variation)
    session.commit()
    return variation


def remove_variation(peer: Peer) -> None:
    variation = variation_for(peer)
    if variation is not None:
        session.delete(variation)
        session.commit()
