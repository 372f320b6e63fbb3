"""API tokens under attack: a read token changes nothing, tokens end with a new password unless
made to keep, and a token cannot make a token that outlives it or may do more."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming.accounts.models import ApiToken, Role, TokenScope
from roaming.accounts.operations import issue_token
from roaming.db import session
from tests.conftest import PASSWORD
from tests.support.races import at_once

pytestmark = pytest.mark.each_database

NEW_PASSWORD = "a-new-passphrase"
RACES = 6


@pytest.fixture
def token_of(within):
    """Headers with a new token of ``user``: ``token_of(user, scope=..., days=..., ...)``."""

    def make(user, **options):
        _, plaintext = within(lambda: issue_token(session.merge(user), "test", **options))
        return {"Authorization": f"Bearer {plaintext}"}

    return make


def test_a_read_token_reads_and_changes_nothing(client, make_user, token_of):
    user = make_user(role=Role.ADMIN)
    reader = token_of(user, scope=TokenScope.READ)
    assert client.get("/api/me", headers=reader).status_code == 200
    assert client.get("/api/users", headers=reader).status_code == 200
    for method, path, body in [
        ("PATCH", "/api/me", {"name": "Renamed"}),
        ("PUT", "/api/cluster", {"name": "Taken over", "country": "DE"}),
        ("POST", "/api/tokens", {"name": "wider", "scope": "write"}),
        ("POST", "/api/users", {"email": "x@example.org", "name": "X", "role": "admin", "password": NEW_PASSWORD}),
        ("DELETE", "/api/tokens/1", None),
    ]:
        refused = client.open(path, method=method, json=body, headers=reader)
        assert refused.status_code == 403, (method, path, refused.json)
        assert "read" in refused.json["message"]
    assert client.get("/api/me", headers=reader).json["name"] == "Test user"


def test_new_tokens_are_write_tokens_unless_asked(client, make_user, login):
    csrf = login(make_user())
    made = client.post("/api/tokens", json={"name": "CRM sync"}, headers=csrf).json
    assert made["scope"] == "write" and made["keep_on_password_change"] is False and made["made_with"] is None
    reader = client.post("/api/tokens", json={"name": "Dashboard", "scope": "read"}, headers=csrf).json
    assert reader["scope"] == "read"
    assert [token["scope"] for token in client.get("/api/tokens", headers=csrf).json] == ["write", "read"]


def test_tokens_end_with_a_password_change_unless_made_to_keep(client, make_user, login, token_of):
    user = make_user()
    ordinary, kept = token_of(user), token_of(user, keep_on_password_change=True)
    csrf = login(user)
    changed = client.patch("/api/me", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=csrf)
    assert changed.status_code == 200
    ended = client.get("/api/me", headers=ordinary)
    assert ended.status_code == 401 and "revoked" in ended.json["message"]
    assert client.get("/api/me", headers=kept).status_code == 200


def test_a_password_set_by_an_admin_ends_the_accounts_tokens(app, client, make_user, bearer, token_of):
    user = make_user()
    stolen = token_of(user)
    admin = bearer(make_user(role=Role.ADMIN))
    assert client.patch(f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=admin).status_code == 200
    assert client.get("/api/me", headers=stolen).status_code == 401


def test_a_token_cannot_make_a_token_outliving_it(client, within, make_user, token_of):
    parent = token_of(make_user(), days=2)
    refused = client.post("/api/tokens", json={"name": "ten years", "days": 3650}, headers=parent)
    assert refused.status_code == 422 and "outlive" in refused.json["errors"]["json"]["days"][0]
    child = client.post("/api/tokens", json={"name": "default lifetime"}, headers=parent)  # 365 days by default
    assert child.status_code == 201
    lifetimes = within(lambda: {token.name: token.expires_at for token in session.scalars(select(ApiToken))})
    assert lifetimes["default lifetime"] == lifetimes["test"]  # cut to the parent's end
    assert client.post("/api/tokens", json={"name": "one day", "days": 1}, headers=parent).status_code == 201


def test_a_token_cannot_make_one_that_survives_a_password_change_it_does_not(client, make_user, token_of):
    ordinary = token_of(make_user())
    refused = client.post("/api/tokens", json={"name": "stays", "keep_on_password_change": True}, headers=ordinary)
    assert refused.status_code == 422 and "keep_on_password_change" in refused.json["errors"]["json"]
    kept = token_of(make_user(), keep_on_password_change=True)
    made = client.post("/api/tokens", json={"name": "stays", "keep_on_password_change": True}, headers=kept)
    assert made.status_code == 201 and made.json["made_with"] is not None


def test_revoking_a_token_ends_every_token_made_with_it(client, make_user, login, token_of):
    user = make_user()
    parent = token_of(user)
    child = client.post("/api/tokens", json={"name": "child"}, headers=parent).json
    child_headers = {"Authorization": f"Bearer {child['token']}"}
    grandchild = client.post("/api/tokens", json={"name": "grandchild"}, headers=child_headers).json
    grandchild_headers = {"Authorization": f"Bearer {grandchild['token']}"}
    unrelated = token_of(user)
    csrf = login(user)
    parent_id = next(token["id"] for token in client.get("/api/tokens", headers=csrf).json if token["name"] == "test")
    assert client.delete(f"/api/tokens/{parent_id}", headers=csrf).status_code == 204
    assert client.get("/api/me", headers=child_headers).status_code == 401
    assert client.get("/api/me", headers=grandchild_headers).status_code == 401
    assert client.get("/api/me", headers=unrelated).status_code == 200


def test_a_token_acts_with_its_users_role_as_it_is_now(client, make_user, bearer):
    admin_user = make_user(role=Role.ADMIN)
    token = bearer(admin_user)
    assert client.get("/api/users", headers=token).status_code == 200
    other_admin = bearer(make_user(role=Role.ADMIN))
    demoted = client.patch(f"/api/users/{admin_user.id}", json={"role": "host_staff"}, headers=other_admin)
    assert demoted.status_code == 200
    assert client.get("/api/users", headers=token).status_code == 403


def test_a_token_made_while_its_parent_is_revoked_does_not_outlive_it(app, make_user, token_of):
    """Revocation and the making of a token with the same parent at once: whichever comes first,
    no token made with the revoked one works afterwards."""
    user = make_user()
    owner = app.test_client()
    logged_in = owner.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    csrf = {"X-CSRF-Token": logged_in.json["csrf_token"]}
    for _ in range(RACES):
        parent = token_of(user)
        parent_id = owner.get("/api/tokens", headers=csrf).json[-1]["id"]
        made, revoked = at_once(
            lambda parent=parent: app.test_client().post("/api/tokens", json={"name": "child"}, headers=parent),
            lambda parent_id=parent_id: owner.delete(f"/api/tokens/{parent_id}", headers=csrf),
        )
        assert revoked.status_code == 204
        assert made.status_code in (201, 401, 409), made.json
        if made.status_code == 201:
            child = {"Authorization": f"Bearer {made.json['token']}"}
            assert app.test_client().get("/api/me", headers=child).status_code == 401
