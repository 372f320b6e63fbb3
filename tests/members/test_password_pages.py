"""The pages that set a password (from an invitation or a reset link, "Forgot your password?",
one's own change), the Invite button on a member company's page and the invitation API."""

from __future__ import annotations

import re
from functools import partial

import pytest
from sqlalchemy import select

from roaming import create_app
from roaming.accounts.models import Role, User
from roaming.audit.models import AuditEntry
from roaming.db import engine_for, session
from roaming.members import onboarding
from roaming.members.models import Person
from roaming.notify.models import Notification
from tests.accounts.test_pages import csrf_of
from tests.conftest import PASSWORD
from tests.support.races import at_once

pytestmark = pytest.mark.each_database

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"/password/new/([A-Za-z0-9_-]+)")


def _mails(within) -> list[Notification]:
    return within(lambda: list(session.scalars(select(Notification).order_by(Notification.id))))


def _link_in_last_mail(within) -> str:
    return "/password/new/" + LINK.search(_mails(within)[-1].text).group(1)


def _log_in(client, user) -> None:
    csrf = csrf_of(client.get("/login").data)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302


def test_staff_invite_a_person_from_the_company_page(client, make_user, make_person, within):
    person = make_person(name="Aoife Murphy")
    _log_in(client, make_user(role=Role.HOST_STAFF))
    page = client.get(f"/staff/members/{person.company_id}")
    assert b"No password yet" in page.data and b"Invite Aoife Murphy" in page.data
    sent = client.post(
        f"/staff/members/{person.company_id}/people/{person.id}/invite",
        data={"csrf_token": csrf_of(page.data)},
        follow_redirects=True,
    )
    assert b"Aoife Murphy was sent a link to set a password" in sent.data
    assert b"Invited; the link works until" in sent.data and b"Send a new link" in sent.data
    assert [mail.recipient_email for mail in _mails(within)] == [person.email]
    actions = within(lambda: [entry.action for entry in session.scalars(select(AuditEntry))])
    assert "person.invite" in actions


def test_the_invite_button_needs_the_form_token_and_a_person_of_that_company(
    client, make_user, make_person, make_company, within
):
    person = make_person()
    other = make_company(name="Other GmbH")
    _log_in(client, make_user(role=Role.HOST_STAFF))
    csrf = csrf_of(client.get(f"/staff/members/{person.company_id}").data)
    assert client.post(f"/staff/members/{person.company_id}/people/{person.id}/invite").status_code == 403
    wrong_company = client.post(f"/staff/members/{other.id}/people/{person.id}/invite", data={"csrf_token": csrf})
    assert wrong_company.status_code == 404 and _mails(within) == []


def test_a_member_cannot_invite(client, make_user, make_person):
    member = make_user(role=Role.MEMBER)
    other = make_person()
    _log_in(client, member)
    csrf = csrf_of(client.get("/me/password").data)
    response = client.post(f"/staff/members/{other.company_id}/people/{other.id}/invite", data={"csrf_token": csrf})
    assert response.status_code == 403


def test_the_invitation_api_is_for_staff(client, make_user, make_person, bearer, within):
    person = make_person()
    refused = client.post(f"/api/members/people/{person.id}/invitation", headers=bearer(make_user(role=Role.MEMBER)))
    assert refused.status_code == 403
    sent = client.post(f"/api/members/people/{person.id}/invitation", headers=bearer(make_user()))
    assert sent.status_code == 201 and sent.json["email"] == person.email and sent.json["expires_at"]
    assert "token" not in sent.get_data(as_text=True).lower()
    assert client.post("/api/members/people/99999/invitation", headers=bearer(make_user())).status_code == 404


def test_an_invited_person_sets_a_password_and_lands_logged_in_on_their_page(client, make_person, within):
    person = make_person(name="Aoife Murphy")
    within(lambda: onboarding.invite(session.get(Person, person.id)))
    link = _link_in_last_mail(within)
    page = client.get(link)
    assert page.status_code == 200 and b"Welcome! Set your password" in page.data
    csrf = csrf_of(page.data)

    differ = client.post(link, data={"csrf_token": csrf, "password": NEW_PASSWORD, "password_again": "something else"})
    assert differ.status_code == 422 and b'id="password_again-error"' in differ.data
    short = client.post(link, data={"csrf_token": csrf, "password": "short", "password_again": "short"})
    assert short.status_code == 422 and b'id="password-error"' in short.data

    done = client.post(link, data={"csrf_token": csrf, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/me/visits"
    assert client.get("/api/me").json["email"] == person.email
    again = client.get(link)
    assert again.status_code == 404 and b"Ask for a new link" in again.data


def test_forgot_password_answers_the_same_for_any_address_and_mails_only_an_account(client, make_user, within):
    staff = make_user()
    csrf = csrf_of(client.get("/login").data)
    assert b"/password/forgot" in client.get("/login").data
    answers = [
        client.post("/password/forgot", data={"csrf_token": csrf, "email": address})
        for address in (staff.email, "nobody@example.org")
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    texts = [answer.get_data(as_text=True) for answer in answers]
    assert texts[0].replace(staff.email, "ADDRESS") == texts[1].replace("nobody@example.org", "ADDRESS")
    assert [mail.recipient_email for mail in _mails(within)] == [staff.email]

    link = _link_in_last_mail(within)
    page = client.get(link)
    assert b"Set a new password" in page.data
    other_browser = client.application.test_client()
    _log_in(other_browser, staff)
    done = client.post(
        link, data={"csrf_token": csrf_of(page.data), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/staff"
    assert other_browser.get("/api/me").status_code == 401  # the old session ended with the old password


def test_forgot_password_refuses_a_form_without_its_token_or_address(client, within):
    assert client.post("/password/forgot", data={"email": "x@example.org"}).status_code == 422
    csrf = csrf_of(client.get("/password/forgot").data)
    blank = client.post("/password/forgot", data={"csrf_token": csrf, "email": ""})
    assert blank.status_code == 422 and b'id="email-error"' in blank.data
    assert _mails(within) == []


def test_asking_for_resets_is_rate_limited_per_address(instance_path, make_user):
    app = create_app(
        {"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", "TESTING": True, "LOGIN_RATE_LIMIT": "3 per minute"}
    )
    try:
        browser = app.test_client()
        csrf = csrf_of(browser.get("/password/forgot").data)
        statuses = [
            browser.post("/password/forgot", data={"csrf_token": csrf, "email": f"n{n}@example.org"}).status_code
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        elsewhere = app.test_client()
        csrf = csrf_of(elsewhere.get("/password/forgot").data)
        other_address = elsewhere.post(
            "/password/forgot",
            data={"csrf_token": csrf, "email": "n9@example.org"},
            environ_base={"REMOTE_ADDR": "192.0.2.44"},
        )
        assert other_address.status_code == 200
    finally:
        engine_for(app).dispose()


def test_a_person_changes_their_own_password_and_other_sessions_end(client, make_user, app, within):
    member = make_user(role=Role.MEMBER)
    _log_in(client, member)
    other_browser = app.test_client()
    _log_in(other_browser, member)
    page = client.get("/me/password")
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.data
    csrf = csrf_of(page.data)
    wrong = client.post(
        "/me/password",
        data={
            "csrf_token": csrf,
            "current_password": "not it at all",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 422 and b'id="current_password-error"' in wrong.data
    done = client.post(
        "/me/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        follow_redirects=True,
    )
    assert done.status_code == 200 and b"Your password is changed" in done.data
    assert client.get("/api/me").status_code == 200 and other_browser.get("/api/me").status_code == 401
    stored = within(lambda: session.get(User, member.id).password_hash)
    assert stored and stored != member.password_hash


def test_the_change_password_page_wants_a_log_in(client):
    response = client.get("/me/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_one_link_posted_twice_at_once_logs_in_one_browser(app, make_person, within):
    person = make_person()
    within(lambda: onboarding.invite(session.get(Person, person.id)))
    link = _link_in_last_mail(within)
    browsers = [app.test_client(), app.test_client()]
    forms = [
        {"csrf_token": csrf_of(browser.get(link).data), "password": password, "password_again": password}
        for browser, password in zip(browsers, ("first passphrase!", "second passphrase"), strict=True)
    ]
    answers = at_once(*(partial(browser.post, link, data=form) for browser, form in zip(browsers, forms, strict=True)))
    assert sorted(answer.status_code for answer in answers) == [302, 404]
    assert sorted(browser.get("/api/me").status_code for browser in browsers) == [200, 401]


def test_guessing_the_current_password_is_rate_limited_like_log_ins(instance_path, make_user):
    member = make_user(role=Role.MEMBER)
    app = create_app(
        {"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", "TESTING": True, "LOGIN_RATE_LIMIT": "3 per minute"}
    )
    try:
        browser = app.test_client()
        _log_in(browser, member)
        csrf = csrf_of(browser.get("/me/password").data)
        guess = {"csrf_token": csrf, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
        statuses = [
            browser.post("/me/password", data={**guess, "current_password": f"guess {n}"}).status_code for n in range(4)
        ]
        assert statuses == [422, 422, 422, 429]
    finally:
        engine_for(app).dispose()
