"""Membership status changes and the registry's content."""

from __future__ import annotations

import pytest

from roaming.coordinator import operations as ops
from roaming.coordinator.models import Membership, MembershipStatus
from roaming.db import session
from roaming.errors import Conflict, NotFound

pytestmark = pytest.mark.each_database

S = MembershipStatus


@pytest.fixture
def coordinator_app(app):
    app.config["COORDINATOR_ENABLED"] = True
    return app


def _membership(status=S.APPLICATION, name="it@cork"):
    membership = Membership(
        node_id=f"node-{name}", name=name, country="IE", base_url="http://127.0.0.1:9", status=status, jwks={"keys": []}
    )
    session.add(membership)
    session.commit()
    return membership


def test_lifecycle_and_registry_versions(coordinator_app):
    with coordinator_app.app_context():
        membership = _membership()
        start = ops.registry_payload()["version"]
        assert [n["name"] for n in ops.registry_payload()["nodes"]] == ["Test cluster"]  # the coordinator only
        ops.change_status(membership, S.REVIEW)
        assert ops.registry_payload()["version"] == start  # reviews are not published
        ops.change_status(membership, S.ADMITTED)
        registry = ops.registry_payload()
        assert registry["version"] == start + 1 and membership.admitted_at is not None
        assert {n["name"]: n["status"] for n in registry["nodes"]} == {
            "Test cluster": "admitted",
            "it@cork": "admitted",
        }
        ops.change_status(membership, S.SUSPENDED)
        ops.change_status(membership, S.ADMITTED)  # reinstated
        ops.change_status(membership, S.REMOVED)
        with pytest.raises(Conflict, match="cannot become admitted"):
            ops.change_status(membership, S.ADMITTED)
        assert ops.registry_payload()["version"] == start + 4


def test_application_cannot_jump_to_suspended(coordinator_app):
    with coordinator_app.app_context(), pytest.raises(Conflict):
        ops.change_status(_membership(), S.SUSPENDED)


def test_a_node_that_is_not_coordinator_publishes_no_registry(client):
    assert client.get("/federation/registry").status_code == 404


def test_registry_endpoint_serves_a_jws(coordinator_app):
    response = coordinator_app.test_client().get("/federation/registry")
    assert response.status_code == 200 and response.mimetype == "application/jose"
    assert response.get_data(as_text=True).count(".") == 2


def test_unknown_membership(coordinator_app):
    with coordinator_app.app_context(), pytest.raises(NotFound):
        ops.get_membership("nowhere")
