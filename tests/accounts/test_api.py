"""Logins, sessions, CSRF, API tokens, and account management."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roaming.accounts.models import ApiToken, Role
from roaming.db import session, utcnow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.each_database


def test_session_login_me_and_logout(client, make_user):
    user = make_user(role=Role.ADMIN)
    assert client.get("/api/me").status_code == 401
    response = client.post("/api/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["user"]["email"] == user.email and "password" not in response.json["user"]
    assert client.get("/api/me").json["role"] == "admin"
    client.post("/api/auth/logout", headers={"X-CSRF-Token": response.json["csrf_token"]})
    assert client.get("/api/me").status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = client.post("/api/auth/login", json={"email": user.email, "password": "nope-nope-nope"})
    unknown = client.post("/api/auth/login", json={"email": "ghost@example.org", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_unsafe_session_requests_need_the_csrf_token(client, make_user, login):
    headers = login(make_user(role=Role.ADMIN))
    profile = {"name": "CyberForum", "country": "DE"}
    refused = client.put("/api/cluster", json=profile)
    assert refused.status_code == 403 and "CSRF" in refused.json["message"]
    assert client.put("/api/cluster", json=profile, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.put("/api/cluster", json=profile, headers=headers).status_code == 200


def test_token_lifecycle(client, make_user, login):
    user = make_user()
    csrf = login(user)
    created = client.post("/api/tokens", json={"name": "CRM sync", "days": 30}, headers=csrf)
    assert created.status_code == 201
    token = created.json["token"]
    assert token.startswith("rmg_") and created.json["prefix"] == token[:10]
    client.post("/api/auth/logout", headers=csrf)

    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).json["email"] == user.email
    listed = client.get("/api/tokens", headers=bearer).json
    assert [t["name"] for t in listed] == ["CRM sync"] and "token" not in listed[0]
    assert client.delete(f"/api/tokens/{created.json['id']}", headers=bearer).status_code == 204
    revoked = client.get("/api/me", headers=bearer)
    assert revoked.status_code == 401 and "revoked" in revoked.json["message"]


def test_token_hash_is_stored_not_the_token(within, make_user, bearer):
    headers = bearer(make_user())
    token = headers["Authorization"].split()[1]
    stored = within(lambda: session.query(ApiToken).one())
    assert token not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64


def test_expired_token_and_bad_headers_are_refused(client, within, make_user, bearer):
    headers = bearer(make_user())

    def expire():
        session.query(ApiToken).one().expires_at = utcnow() - timedelta(seconds=1)
        session.commit()

    within(expire)
    assert client.get("/api/me", headers=headers).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer rmg_made_up"}).status_code == 401


def test_a_bad_token_never_falls_back_to_the_session(client, make_user, login):
    login(make_user())
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer rmg_wrong"}).status_code == 401


def test_deactivation_ends_sessions_and_tokens(client, within, make_user, login, bearer):
    user = make_user()
    token_headers = bearer(user)
    login(user)
    admin = bearer(make_user(role=Role.ADMIN))
    assert client.patch(f"/api/users/{user.id}", json={"active": False}, headers=admin).status_code == 200
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=token_headers).status_code == 401
    refused = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 401


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, client, make_user, login):
    user = make_user()
    other_browser = app.test_client()
    other_browser.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    csrf = login(user)
    wrong = client.patch("/api/me", json={"current_password": "nope", "new_password": "a-new-passphrase"}, headers=csrf)
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]["json"]
    short = client.patch("/api/me", json={"current_password": PASSWORD, "new_password": "short"}, headers=csrf)
    assert short.status_code == 422 and "new_password" in short.json["errors"]["json"]
    changed = client.patch(
        "/api/me", json={"current_password": PASSWORD, "new_password": "a-new-passphrase"}, headers=csrf
    )
    assert changed.status_code == 200
    assert other_browser.get("/api/me").status_code == 401
    fresh = app.test_client().post("/api/auth/login", json={"email": user.email, "password": "a-new-passphrase"})
    assert fresh.status_code == 200


def test_admin_manages_accounts(client, make_user, make_person, bearer):
    admin = bearer(make_user(role=Role.ADMIN))
    person = make_person()
    created = client.post(
        "/api/users",
        json={
            "email": person.email,
            "name": "Jana",
            "role": "member",
            "person_id": person.id,
            "password": "long-enough-secret",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.json
    assert created.json["company_id"] == person.company_id and "password" not in created.json
    duplicate = client.post("/api/users", json={"email": person.email, "name": "J", "role": "admin"}, headers=admin)
    assert duplicate.status_code == 422 and "email" in duplicate.json["errors"]["json"]
    orphan = client.post("/api/users", json={"email": "m@example.org", "name": "M", "role": "member"}, headers=admin)
    assert "person_id" in orphan.json["errors"]["json"]
    assert len(client.get("/api/users", headers=admin).json) == 2
    assert client.delete(f"/api/users/{created.json['id']}", headers=admin).status_code == 204


def test_staff_cannot_manage_accounts(client, make_user, bearer):
    staff = bearer(make_user(role=Role.HOST_STAFF))
    assert client.get("/api/users", headers=staff).status_code == 403
    payload = {"email": "x@example.org", "name": "X", "role": "admin", "password": "long-enough-secret"}
    assert client.post("/api/users", json=payload, headers=staff).status_code == 403


def test_tokens_of_others_are_invisible(client, make_user, bearer):
    mine, theirs = bearer(make_user()), bearer(make_user())
    their_token = client.get("/api/tokens", headers=theirs).json[0]
    assert client.delete(f"/api/tokens/{their_token['id']}", headers=mine).status_code == 404
    assert client.get("/api/me", headers=theirs).status_code == 200


def test_login_page_form(client, make_user):
    user = make_user()
    page = client.get("/login")
    assert page.status_code == 200 and b'name="csrf_token"' in page.data
    csrf = page.data.split(b'name="csrf_token" value="')[1].split(b'"')[0].decode()

    no_csrf = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert no_csrf.status_code == 401 and b"form expired" in no_csrf.data
    wrong = client.post("/login", data={"email": user.email, "password": "x", "csrf_token": csrf})
    assert wrong.status_code == 401 and b"Wrong e-mail or password" in wrong.data
    ok = client.post(
        "/login?next=//evil.example/", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/staff"  # not off-site: where staff work
    assert client.get("/").data.count(b"Log out") == 1
