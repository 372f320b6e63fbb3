"""Agreement terms: the coordinator publishes them in the registry, members apply them, a host
varies them for one partner, and bad terms are refused by name."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from roaming import create_app
from roaming.agreement.terms import BRA_TERMS
from roaming.db import session
from roaming.peers import registry
from roaming.peers.registry import federation_terms
from roaming.peers.variations import effective_terms, set_variation

pytestmark = pytest.mark.each_database


def test_without_a_coordinator_the_bra_terms_apply(within):
    assert within(federation_terms) == BRA_TERMS


def test_the_coordinator_publishes_its_terms_in_the_registry(app, within):
    app.config.update(
        COORDINATOR_ENABLED=True, AGREEMENT_TERMS={"free_days_per_visit": 3, "desk_confirmation": "instant"}
    )
    payload = within(registry.refresh)
    assert payload["terms"] == {**BRA_TERMS, "free_days_per_visit": 3, "desk_confirmation": "instant"}
    app.config["AGREEMENT_TERMS"] = {}  # a member of this federation would not have the coordinator's settings
    assert within(federation_terms)["free_days_per_visit"] == 3


def test_a_variation_changes_only_its_keys_for_its_partner(home_peer, within):
    peer, _key = home_peer

    def vary():
        set_variation(session.merge(peer), {"visits_per_company_per_year": 2}, "pilot")
        return effective_terms(session.merge(peer))

    assert within(vary) == {**BRA_TERMS, "visits_per_company_per_year": 2}
    with pytest.raises(ValidationError) as refused:
        within(lambda: set_variation(session.merge(peer), {"checkin_by": "25:00", "free_days": 1}))
    assert set(refused.value.messages["changes"]) == {"checkin_by", "free_days"}


def test_a_node_with_bad_terms_does_not_start(instance_path):
    with pytest.raises(RuntimeError, match="free_days_per_visit"):
        create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "x", "AGREEMENT_TERMS": {"free_days_per_visit": -1}})
