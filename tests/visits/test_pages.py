"""Host staff's decision page (where the staff e-mail's links lead)."""

from __future__ import annotations

import re

import pytest

from roaming.accounts.models import Role
from roaming.visits import hosting
from roaming.visits.models import VisitState
from tests.conftest import PASSWORD
from tests.visits.conftest import receive

pytestmark = pytest.mark.one_database(reason="pages and their access rules: the engine cannot change what a page shows")


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_decision_page_asks_for_a_login_then_decides(
    client, make_desk, make_location, make_user, home_peer, within
):
    desk = make_desk(location=make_location(opening_hours={}))
    visit = within(receive, home_peer, desk)
    path = f"/host/visits/{visit.uid}?decision=decline"

    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]

    staff = make_user(role=Role.HOST_STAFF)
    login_page = client.get("/login")
    client.post(
        f"/login?next={path}", data={"email": staff.email, "password": PASSWORD, "csrf_token": _csrf(login_page.text)}
    )
    page = client.get(path)
    assert page.status_code == 200 and "Ana Weber" in page.text and "autofocus" in page.text

    no_reason = client.post(path, data={"decision": "decline", "reason": " ", "csrf_token": _csrf(page.text)})
    assert no_reason.status_code == 200 and "Say why" in no_reason.text
    declined = client.post(
        path, data={"decision": "decline", "reason": "Fully booked by a conference.", "csrf_token": _csrf(page.text)}
    )
    assert declined.status_code == 302
    final = client.get(path).text
    assert "Declined" in final and "Fully booked by a conference." in final and "Approve</button>" not in final
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.DECLINED


def test_members_cannot_open_the_decision_page(client, make_desk, make_location, make_user, home_peer, within, login):
    desk = make_desk(location=make_location(opening_hours={}))
    visit = within(receive, home_peer, desk)
    login(make_user(role=Role.MEMBER))
    assert client.get(f"/host/visits/{visit.uid}").status_code == 403


def test_a_decision_someone_made_meanwhile_is_shown_not_overwritten(
    client, make_desk, make_location, make_user, home_peer, within
):
    desk = make_desk(location=make_location(opening_hours={}))
    visit = within(receive, home_peer, desk)
    path = f"/host/visits/{visit.uid}"
    staff = make_user(role=Role.HOST_STAFF)
    client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)}
    )
    page = client.get(path)  # the form is open ...
    within(lambda: hosting.approve(hosting.hosted_visit(visit.uid), by="colleague"))  # ... a colleague approves
    late = client.post(path, data={"decision": "decline", "reason": "No room.", "csrf_token": _csrf(page.text)})
    assert late.status_code == 200
    assert "The visit is confirmed; it cannot become declined." in late.text
    assert "Approve</button>" not in late.text  # the page shows the visit as it is now
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.CONFIRMED
