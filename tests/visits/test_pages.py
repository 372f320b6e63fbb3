"""Host staff's decision page (where the staff e-mail's links lead)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from roaming.accounts.models import Role
from roaming.db import session
from roaming.visits import hosting
from roaming.visits.models import VisitState
from tests.conftest import PASSWORD
from tests.support.visits import home_visit_row
from tests.visits.conftest import MONDAY, receive

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
    assert 'id="confirm"' in page.text and "Decline the request" in page.text

    no_reason = client.post(path, data={"decision": "decline", "reason": " ", "csrf_token": _csrf(page.text)})
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text and "Say why" in no_reason.text
    declined = client.post(
        path, data={"decision": "decline", "reason": "Fully booked by a conference.", "csrf_token": _csrf(page.text)}
    )
    assert declined.status_code == 303 and declined.headers["Location"].endswith(f"/host/visits/{visit.uid}")
    final = client.get(path).text
    assert "You declined the request of Ana Weber; they are told why." in final  # the flash message
    assert 'data-state="declined"' in final and "Fully booked by a conference." in final
    assert 'id="visit-actions"' not in final  # nothing left to decide
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
    assert late.status_code == 409
    assert 'role="alert" id="visit-error">The visit is confirmed; it cannot become declined.' in late.text
    assert 'data-state="confirmed"' in late.text and 'id="action-approve"' not in late.text  # as it is now
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.CONFIRMED


def _staff_logged_in(client, make_user):
    staff = make_user(role=Role.HOST_STAFF)
    client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)}
    )


def test_the_visit_page_shows_everything_asked_in_the_page_s_language(
    client, make_desk, make_location, make_user, make_service, home_peer, within
):
    desk = make_desk(location=make_location(opening_hours={}))
    intro = make_service(kind="introductions", name="Meet the cluster team")
    visit = within(
        receive, home_peer, desk, last=MONDAY + timedelta(days=1), services=[intro.uid], message="Robotics, please."
    )
    _staff_logged_in(client, make_user)

    page = client.get(f"/host/visits/{visit.uid}").text
    assert "Ana Weber" in page and "ana@datenwerk.example" in page
    assert "Datenwerk GmbH, Germany" in page and "CyberForum" in page  # company, country, home cluster
    assert "Monday, January 7, 2030" in page and "Tuesday, January 8, 2030" in page and "booked" in page
    assert "Meet the cluster team" in page and "Robotics, please." in page
    assert "2 of 5 free days per visit" in page and 'id="visit-deadline"' in page
    shown = re.sub(r"<[^>]+>", "", page)  # the words on the page, not its markup
    assert not re.search(r"\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d", shown)  # no seconds, no ISO dates
    assert all(f'id="action-{action}"' in page for action in ("approve", "decline", "cancel"))

    german = client.get(f"/host/visits/{visit.uid}", headers={"Accept-Language": "de-DE"}).text
    assert "Montag, 7. Januar 2030" in german and "Deutschland" in german


def test_staff_approve_after_confirming_and_see_the_new_state(
    client, make_desk, make_location, make_user, home_peer, within
):
    visit = within(receive, home_peer, make_desk(location=make_location(opening_hours={})))
    _staff_logged_in(client, make_user)
    path = f"/host/visits/{visit.uid}"

    step = client.get(f"{path}?decision=approve").text  # the confirmation step: nothing changed yet
    assert 'id="confirm-button"' in step and "Yes, approve" in step
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.REQUESTED

    approved = client.post(path, data={"decision": "approve", "csrf_token": _csrf(step)})
    assert approved.status_code == 303
    page = client.get(path).text
    assert "You approved the visit of Ana Weber; they are told." in page and 'data-state="confirmed"' in page
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.CONFIRMED

    again = client.get(f"{path}?decision=approve").text  # the e-mail's link, once decided
    assert "does not apply any more" in again and 'id="confirm-button"' not in again


def test_staff_cancel_some_days_with_a_reason(client, make_desk, make_location, make_user, home_peer, within):
    desk = make_desk(location=make_location(opening_hours={}))
    visit = within(receive, home_peer, desk, last=MONDAY + timedelta(days=1))
    _staff_logged_in(client, make_user)
    path = f"/host/visits/{visit.uid}"
    step = client.get(f"{path}?decision=cancel").text
    assert f'value="{MONDAY.isoformat()}"' in step and 'id="confirm-button"' in step

    nothing_ticked = client.post(
        path, data={"decision": "cancel", "reason": "Floor closed.", "csrf_token": _csrf(step)}
    )
    assert nothing_ticked.status_code == 422 and 'id="days-error"' in nothing_ticked.text
    assert "Floor closed." in nothing_ticked.text  # what was typed is kept
    no_reason = client.post(
        path, data={"decision": "cancel", "days": [MONDAY.isoformat()], "reason": "", "csrf_token": _csrf(step)}
    )
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text

    cancelled = client.post(
        path,
        data={"decision": "cancel", "days": [MONDAY.isoformat()], "reason": "Floor closed.", "csrf_token": _csrf(step)},
    )
    assert cancelled.status_code == 303
    page = client.get(path).text
    assert "The days you chose are cancelled; Ana Weber is told why." in page
    assert f'data-day="{MONDAY.isoformat()}" data-status="cancelled"' in page
    assert within(lambda: hosting.hosted_visit(visit.uid).state) is VisitState.REQUESTED


def test_the_dashboard_shows_each_request_at_a_glance(
    client, make_desk, make_location, make_user, make_service, home_peer, within
):
    desk = make_desk(location=make_location(opening_hours={}))
    intro = make_service(kind="introductions", name="Meet the cluster team")
    visit = within(receive, home_peer, desk, services=[intro.uid])
    _staff_logged_in(client, make_user)
    row = client.get("/staff").text.split(f'id="pending-{visit.uid}"')[1].split("</tr>")[0]
    assert "Ana Weber" in row and "Datenwerk GmbH" in row and "CyberForum" in row
    assert "Jan 7, 2030" in row and "Meet the cluster team" in row and "1 of 5 free days" in row
    assert f'href="/host/visits/{visit.uid}"' in row and f"/host/visits/{visit.uid}?decision=approve#confirm" in row


@pytest.mark.parametrize(("state", "offered"), [(VisitState.CONFIRMED, True), (VisitState.DECLINED, False)])
def test_only_a_visit_that_stands_offers_a_calendar_entry(client, make_user, home_peer, within, state, offered):
    member = make_user(role=Role.MEMBER)

    def add():
        row = home_visit_row(session.merge(home_peer[0]), MONDAY, state=state, person_id=member.person_id)
        session.add(row)
        return row.uid

    uid = within(add)
    client.post(
        "/login", data={"email": member.email, "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)}
    )
    assert ("Add to my calendar (.ics)" in client.get(f"/me/visits/{uid}").text) is offered
    assert client.get(f"/me/visits/{uid}.ics").status_code == (200 if offered else 404)
