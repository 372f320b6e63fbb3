"""Browser sessions end on the server: a copied session cookie is worthless after log-out, after
the session's lifetime and after a password change, whatever process answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import session as browser_session
from sqlalchemy import select, update

from roaming.accounts.models import BrowserSession, Role, User
from roaming.accounts.operations import authenticate, update_user
from roaming.accounts.security import current_user, login_browser_session
from roaming.db import session, utcnow
from roaming.errors import Unauthorized
from tests.conftest import PASSWORD

pytestmark = pytest.mark.each_database

COOKIE = "roaming_session"
NEW_PASSWORD = "a-new-passphrase"


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (an attacker's)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def test_a_copied_cookie_is_dead_after_log_out(app, client, make_user, login):
    csrf = login(make_user())
    thief = copy_of(app, client)
    assert thief.get("/api/me").status_code == 200
    assert client.post("/api/auth/logout", headers=csrf).status_code == 204
    assert thief.get("/api/me").status_code == 401
    refused = thief.put("/api/cluster", json={"name": "Taken over", "country": "DE"}, headers=csrf)
    assert refused.status_code in (401, 403)


def test_a_copied_cookie_is_dead_after_log_out_on_the_page(app, client, make_user):
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
    thief = copy_of(app, client)
    csrf = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert thief.get("/me/visits").status_code == 302  # sent to the log-in page
    assert thief.get("/api/me").status_code == 401


def test_a_session_ends_on_the_server_after_its_lifetime(app, client, within, make_user, login):
    login(make_user())
    assert client.get("/api/me").status_code == 200

    def age():
        session.execute(update(BrowserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()

    within(age)
    assert client.get("/api/me").status_code == 401


def test_the_server_keeps_only_a_hash_of_the_session_id(app, client, within, make_user, login):
    login(make_user())
    cookie = app.session_interface.get_signing_serializer(app).loads(client.get_cookie(COOKIE).value)
    stored = within(lambda: session.scalars(select(BrowserSession.id)).all())
    assert len(stored) == 1 and len(stored[0]) == 64 and cookie["sid"] != stored[0]
    assert "user_id" not in cookie


def test_a_password_change_ends_every_other_session_and_renews_the_own(app, client, make_user, login):
    user = make_user()
    other_browser = app.test_client()
    other_browser.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    csrf = login(user)
    thief = copy_of(app, client)
    changed = client.patch("/api/me", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=csrf)
    assert changed.status_code == 200
    assert client.get("/api/me").status_code == 200  # the browser that changed it stays logged in ...
    assert client.patch("/api/me", json={"name": "Still me"}, headers=csrf).status_code == 200  # same CSRF token
    assert thief.get("/api/me").status_code == 401  # ... under a new session: the copy of the old one is dead
    assert other_browser.get("/api/me").status_code == 401


def test_a_password_set_by_an_admin_ends_all_sessions(app, client, make_user, login, bearer):
    user = make_user()
    login(user)
    admin = bearer(make_user(role=Role.ADMIN))
    assert client.get("/api/me").status_code == 200
    changed = app.test_client().patch(f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=admin)
    assert changed.status_code == 200
    assert client.get("/api/me").status_code == 401


def test_a_log_in_clears_away_ended_sessions(app, client, within, make_user, login):
    login(make_user())
    within(lambda: (session.execute(update(BrowserSession).values(expires_at=utcnow())), session.commit()))
    app.test_client().post("/api/auth/login", json={"email": make_user().email, "password": PASSWORD})
    assert within(lambda: len(session.scalars(select(BrowserSession)).all())) == 1  # only the new one


def test_a_log_in_refused_as_it_is_recorded_leaves_the_browser_logged_out(app, within, make_user):
    """The password changed between the check and the record (another request): 401, no session."""
    user = make_user()
    with app.test_request_context("/login", method="POST"):
        checked = authenticate(user.email, PASSWORD)
        within(lambda: update_user(session.get(User, user.id), {"password": NEW_PASSWORD}))
        with pytest.raises(Unauthorized):
            login_browser_session(checked, PASSWORD)
        assert dict(browser_session) == {} and current_user() is None
    assert within(lambda: session.scalars(select(BrowserSession)).all()) == []
