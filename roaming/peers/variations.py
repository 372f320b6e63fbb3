"""How this node, as host, varies the federation's terms for one partner cluster: single keys
of the terms (``roaming.agreement``) overridden for visitors from that partner."""

from __future__ import annotations

from sqlalchemy import select

from roaming.agreement.terms import validated
from roaming.db import session
from roaming.peers.models import Peer, TermsVariation
from roaming.peers.registry import federation_terms


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
    session.flush()
    return variation


def remove_variation(peer: Peer) -> None:
    variation = variation_for(peer)
    if variation is not None:
        session.delete(variation)
        session.flush()
