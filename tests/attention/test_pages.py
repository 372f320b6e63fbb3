"""The Needs attention page: each item with its partner, last error and tries; Retry and Drop
lead to a page asking to confirm, and only the confirmation changes anything."""

from __future__ import annotations

import re

import pytest

from roaming.accounts.models import Role
from roaming.attention import operations as attention

pytestmark = pytest.mark.each_database


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_staff_confirm_a_drop_and_a_second_drop_is_refused(client, within, make_user, login, set_aside):
    login(make_user(role=Role.HOST_STAFF))
    page = client.get("/staff/attention")
    assert page.status_code == 200
    for shown in ("Ana Weber", "it@cork", "500 from the peer: boom", "/federation/visits/updates", "Cork AI meetup"):
        assert shown in page.text
    path = f"/staff/attention/visit/{set_aside['visit']}/drop"
    assert path in page.text

    confirm = client.get(path)
    assert confirm.status_code == 200 and "Drop this item?" in confirm.text and "its visitor is told" in confirm.text
    assert "visit" in within(attention.counts)  # asking changed nothing

    done = client.post(path, data={"csrf_token": _csrf(confirm.text)}, follow_redirects=True)
    assert "It was dropped." in done.text and "visit" not in within(attention.counts)
    late = client.post(path, data={"csrf_token": _csrf(confirm.text)}, follow_redirects=True)
    assert "withdrawn (cancelled); nothing was changed" in late.text

    gone = client.get(path, follow_redirects=True)
    assert "That item no longer needs attention." in gone.text


def test_a_form_without_its_token_changes_nothing(client, within, make_user, login, set_aside):
    login(make_user(role=Role.HOST_STAFF))
    client.post(f"/staff/attention/message/{set_aside['message']}/retry", data={})
    assert "message" in within(attention.counts)
