"""Needs attention in the JSON API: staff list what is set aside and retry or drop it; the second
of two changes to one item is a 409 naming what it is now."""

from __future__ import annotations

import pytest

from roaming.accounts.models import Role

pytestmark = pytest.mark.each_database


def test_staff_list_retry_and_drop_items(client, make_user, bearer, set_aside):
    staff = bearer(make_user(role=Role.HOST_STAFF))
    listed = client.get("/api/attention", headers=staff)
    assert listed.status_code == 200
    assert {(row["kind"], row["id"]) for row in listed.json} == set(set_aside.items())
    message = next(row for row in listed.json if row["kind"] == "message")
    assert message["partner"] == "it@cork" and message["attempts"] == 10 and "boom" in message["last_error"]

    assert client.post(f"/api/attention/message/{set_aside['message']}/retry", headers=staff).status_code == 204
    again = client.post(f"/api/attention/message/{set_aside['message']}/drop", headers=staff)
    assert again.status_code == 409 and "waiting to be sent again" in again.json["message"]
    assert client.post(f"/api/attention/visit/{set_aside['visit']}/drop", headers=staff).status_code == 204
    assert {row["kind"] for row in client.get("/api/attention", headers=staff).json} == {"registration", "notification"}
    assert client.post("/api/attention/desk/1/drop", headers=staff).status_code == 404


def test_members_see_nothing(client, make_user, bearer, set_aside):
    member = bearer(make_user(role=Role.MEMBER))
    assert client.get("/api/attention", headers=member).status_code == 403
    assert client.post(f"/api/attention/message/{set_aside['message']}/drop", headers=member).status_code == 403
