"""Who may call what: every API endpoint against anonymous callers, member people, host staff
and admins. A new endpoint without a line in POLICY fails this test."""

from __future__ import annotations

import re

import pytest

from roaming.accounts.models import Role, TokenScope
from roaming.accounts.operations import issue_token
from roaming.db import session

pytestmark = pytest.mark.one_database(reason="who may call which endpoint")

PUBLIC, LOGIN, STAFF, ADMIN = "public", "login", "staff", "admin"
ITEMS = ("locations", "desks", "rooms", "services", "events", "news")
POLICY = {
    ("/api/cluster", "GET"): PUBLIC,
    ("/api/cluster", "PUT"): STAFF,
    ("/api/cluster", "PATCH"): STAFF,
    **{(f"/api/{kind}", "GET"): PUBLIC for kind in ITEMS},
    **{(f"/api/{kind}", "POST"): STAFF for kind in ITEMS},
    **{(f"/api/{kind}/{{item_id}}", "GET"): PUBLIC for kind in ITEMS},
    **{(f"/api/{kind}/{{item_id}}", method): STAFF for kind in ITEMS for method in ("PATCH", "DELETE")},
    ("/api/catalogue/changes", "GET"): PUBLIC,
    ("/api/reference/sectors", "GET"): PUBLIC,
    ("/api/reference/service-kinds", "GET"): PUBLIC,
    ("/api/members/companies", "GET"): LOGIN,
    ("/api/members/companies", "POST"): STAFF,
    ("/api/members/companies/{company_id}", "GET"): LOGIN,
    ("/api/members/companies/{company_id}", "PATCH"): STAFF,
    ("/api/members/companies/{company_id}", "DELETE"): STAFF,
    ("/api/members/companies/{company_id}/people", "GET"): LOGIN,
    ("/api/members/companies/{company_id}/people", "POST"): STAFF,
    ("/api/members/people/{person_id}", "GET"): LOGIN,
    ("/api/members/people/{person_id}", "PATCH"): STAFF,
    ("/api/members/people/{person_id}", "DELETE"): STAFF,
    ("/api/members/people/{person_id}/invitation", "POST"): STAFF,
    ("/api/auth/login", "POST"): PUBLIC,
    ("/api/auth/logout", "POST"): PUBLIC,
    ("/api/me", "GET"): LOGIN,
    ("/api/me", "PATCH"): LOGIN,
    ("/api/users", "GET"): ADMIN,
    ("/api/users", "POST"): ADMIN,
    ("/api/users/{user_id}", "GET"): ADMIN,
    ("/api/users/{user_id}", "PATCH"): ADMIN,
    ("/api/users/{user_id}", "DELETE"): ADMIN,
    ("/api/tokens", "GET"): LOGIN,
    ("/api/tokens", "POST"): LOGIN,
    ("/api/tokens/{token_id}", "DELETE"): LOGIN,
    ("/api/federation/search", "GET"): LOGIN,
    ("/api/peers", "GET"): STAFF,
    ("/api/attention", "GET"): STAFF,
    ("/api/attention/{kind}/{item_id}/{action}", "POST"): STAFF,
    ("/api/coordinator/memberships", "GET"): ADMIN,
    ("/api/coordinator/memberships", "POST"): ADMIN,
    ("/api/coordinator/memberships/{membership_id}/status", "POST"): ADMIN,
    ("/api/visits", "GET"): LOGIN,
    ("/api/visits", "POST"): LOGIN,
    ("/api/visits/quote", "POST"): LOGIN,
    ("/api/visits/{uid}", "GET"): LOGIN,
    ("/api/visits/{uid}/cancel", "POST"): LOGIN,
    ("/api/visits/{uid}/approve", "POST"): STAFF,
    ("/api/visits/{uid}/decline", "POST"): STAFF,
    ("/api/visits/{uid}/check-in", "POST"): STAFF,
    ("/api/visits/calendar-feed", "GET"): LOGIN,
    ("/api/visits/calendar-feed", "POST"): LOGIN,
    ("/api/visits/terms", "GET"): LOGIN,
    ("/api/visits/terms/variations/{node}", "GET"): STAFF,
    ("/api/visits/terms/variations/{node}", "PUT"): ADMIN,
    ("/api/visits/terms/variations/{node}", "DELETE"): ADMIN,
    ("/api/registrations", "GET"): LOGIN,
    ("/api/registrations", "POST"): LOGIN,
    ("/api/registrations/{uid}", "GET"): LOGIN,
    ("/api/registrations/{uid}/cancel", "POST"): LOGIN,
    ("/api/ledger", "GET"): STAFF,
    ("/api/ledger/export.csv", "GET"): STAFF,
    ("/api/ledger/receipts", "GET"): STAFF,
    ("/api/ledger/refusals", "GET"): STAFF,
    ("/api/coordinator/ledger", "GET"): STAFF,
    ("/api/coordinator/ledger/export.csv", "GET"): STAFF,
    ("/api/coordinator/ledger/checks", "GET"): STAFF,
    ("/api/followup/surveys", "GET"): LOGIN,
    ("/api/followup/surveys/{uid}/answer", "POST"): LOGIN,
    ("/api/followup/connections", "GET"): STAFF,
    ("/api/followup/case-studies", "GET"): PUBLIC,
    ("/api/me/data", "GET"): LOGIN,
    ("/api/me/erase", "POST"): LOGIN,
    ("/api/privacy/people/{person_id}/export", "GET"): STAFF,
    ("/api/privacy/people/{person_id}/erase", "POST"): ADMIN,
    ("/api/privacy/audit", "GET"): ADMIN,
}
ALLOWED = {
    None: {PUBLIC},
    Role.MEMBER: {PUBLIC, LOGIN},
    Role.HOST_STAFF: {PUBLIC, LOGIN, STAFF},
    Role.ADMIN: {PUBLIC, LOGIN, STAFF, ADMIN},
}


def routes(app, *, api: bool):
    """``(path, method)`` of every route of the JSON API (``api``) or of every other route; the
    API's own documentation routes are in neither."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") != api or rule.endpoint.startswith(("api-docs", "api_docs_assets")):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method


def test_policy_covers_every_endpoint(app):
    assert set(routes(app, api=True)) == set(POLICY)


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.HOST_STAFF, Role.ADMIN], ids=str)
def test_matrix(app, client, role, make_user, make_person, make_desk, bearer):
    person = make_person()
    member = make_user(role=Role.MEMBER, person=person)
    if role is None:
        headers = {}
    else:
        headers = bearer(member if role is Role.MEMBER else make_user(role=role))
    desk = make_desk()
    ids = {
        "item_id": desk.id,
        "company_id": person.company_id,
        "person_id": person.id,
        "user_id": member.id,
        "token_id": 1,
        "membership_id": 1,
        "uid": "00000000-0000-4000-8000-000000000000",
        "node": "no-such-node",
        "kind": "message",
        "action": "retry",
    }

    def deletes_last_and_own_token_very_last(entry):
        (path, method), _needs = entry
        return method == "DELETE", path == "/api/tokens/{token_id}"

    for (path, method), needs in sorted(POLICY.items(), key=deletes_last_and_own_token_very_last):
        url = path.format(**ids)
        response = client.open(
            url, method=method, json={} if method in ("POST", "PUT", "PATCH") else None, headers=headers
        )
        if needs in ALLOWED[role]:
            assert response.status_code not in (401, 403), (role, method, url, response.json)
        else:
            expected = 401 if role is None else 403
            assert response.status_code == expected, (role, method, url, response.status_code)


def test_a_token_from_another_node_is_worthless(app, client, make_user, bearer, instance_folder):
    """Staff manage only their own node: accounts and tokens exist per node."""
    from roaming import create_app
    from roaming.db import engine_for

    other_instance = instance_folder("other")
    other = create_app({"INSTANCE_PATH": other_instance, "SECRET_KEY": "other", "TESTING": True})
    headers = bearer(make_user(role=Role.ADMIN))
    assert client.get("/api/users", headers=headers).status_code == 200
    assert other.test_client().get("/api/users", headers=headers).status_code == 401
    engine_for(other).dispose()


def test_an_admins_read_token_reads_everything_and_changes_nothing(app, client, within, make_user, make_desk):
    """A read token is refused (403) on every endpoint that acts for a user and is not a GET."""
    admin = make_user(role=Role.ADMIN)
    _, plaintext = within(lambda: issue_token(session.merge(admin), "dashboard", scope=TokenScope.READ))
    headers = {"Authorization": f"Bearer {plaintext}"}
    ids = {"item_id": make_desk().id, "company_id": 1, "person_id": 1, "user_id": admin.id, "token_id": 1}
    ids |= {"membership_id": 1, "uid": "00000000-0000-4000-8000-000000000000", "node": "no-such-node"}
    ids |= {"kind": "message", "action": "retry"}
    for (path, method), needs in sorted(POLICY.items()):
        response = client.open(path.format(**ids), method=method, json={} if method != "GET" else None, headers=headers)
        if method == "GET":
            assert response.status_code not in (401, 403), (method, path, response.json)
        elif needs != PUBLIC:
            assert response.status_code == 403 and "read" in response.json["message"], (method, path, response.json)
