"""Fixtures for the ledger in-process (the pieces are in tests/support/receipts.py)."""

from __future__ import annotations

import pytest

from roaming.identity.operations import node_id
from tests.support.receipts import Partner, add_home_registration, add_home_visit


@pytest.fixture
def host(within):
    """A partner hosting our members."""
    partner = Partner("it@cork", us=within(node_id))
    within(partner.add)
    return partner


@pytest.fixture
def home_visit(within, host):
    """A factory of our member's visits at ``host`` (``add_home_visit``); returns the visit's id."""
    return lambda **fields: within(add_home_visit, host, **fields)


@pytest.fixture
def home_registration(within, host):
    """A factory of our member's registrations for an event of ``host``; returns (id, event id)."""
    return lambda: within(add_home_registration, host)
