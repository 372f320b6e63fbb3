"""Who may open what outside the JSON API: every page and every federation endpoint against
anonymous visitors, member people, host staff, admins, staff of another node and a peer node.
A new route without a line in POLICY fails this test (the API's own matrix:
tests/test_authorisation.py)."""

from __future__ import annotations

import pytest

from federation.keys import generate_key
from federation.signing import sign_request
from roaming.accounts.models import Role
from roaming.peers.models import Peer, PeerKey, TrustSource
from tests.conftest import PASSWORD, add_row
from tests.test_authorisation import ADMIN, ALLOWED, LOGIN, PUBLIC, STAFF, routes
from tests.test_authorisation import POLICY as API_POLICY

pytestmark = pytest.mark.one_database(reason="pages and their access rules: the engine cannot change what a page shows")

TOKEN = "token"  # a capability link: whoever holds the unguessable token, nobody else (404)
SIGNED = "signed"  # a federation message: a registered peer's signature, no user credential
PERSON = "person"  # a member person's own choice (staff accounts have no person: 403)
OPERATOR = "operator"  # /metrics: addresses in metrics_allowed only

POLICY = {
    ("/", "GET"): PUBLIC,
    ("/.well-known/jwks.json", "GET"): PUBLIC,
    ("/.well-known/roaming-node", "GET"): PUBLIC,
    ("/healthz", "GET"): PUBLIC,
    ("/readyz", "GET"): PUBLIC,
    ("/metrics", "GET"): OPERATOR,
    ("/static/{filename}", "GET"): PUBLIC,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): PUBLIC,
    ("/logout", "POST"): PUBLIC,
    ("/password/forgot", "GET"): PUBLIC,
    ("/password/forgot", "POST"): PUBLIC,
    ("/password/new/{token}", "GET"): TOKEN,
    ("/password/new/{token}", "POST"): TOKEN,
    ("/me/password", "GET"): LOGIN,
    ("/me/password", "POST"): LOGIN,
    ("/language", "POST"): PUBLIC,
    ("/auth/oidc/login", "GET"): PUBLIC,
    ("/auth/oidc/callback", "GET"): PUBLIC,
    ("/network", "GET"): PUBLIC,
    ("/network/newsletter", "GET"): PUBLIC,
    ("/network/newsletter/subscription", "POST"): PERSON,
    ("/network/newsletter/send", "POST"): STAFF,
    ("/calendar/{token}.ics", "GET"): TOKEN,
    ("/checkin/{token}", "GET"): TOKEN,
    ("/checkin/{token}", "POST"): TOKEN,
    ("/followup/{token}", "GET"): TOKEN,
    ("/followup/{token}", "POST"): TOKEN,
    ("/search", "GET"): LOGIN,
    ("/clusters/{node_id}", "GET"): LOGIN,
    ("/clusters/{node_id}/desks/{uid}", "GET"): LOGIN,
    ("/clusters/{node_id}/events/{uid}", "GET"): LOGIN,
    ("/clusters/{node_id}/events/{uid}/register", "POST"): LOGIN,
    ("/visits/new", "GET"): LOGIN,
    ("/visits/new", "POST"): LOGIN,
    ("/me/visits", "GET"): LOGIN,
    ("/me/visits/{uid}", "GET"): LOGIN,
    ("/me/visits/{uid}.ics", "GET"): LOGIN,
    ("/me/visits/{uid}/cancel", "POST"): LOGIN,
    ("/me/registrations/{uid}/cancel", "POST"): LOGIN,
    ("/host/visits/{uid}", "GET"): STAFF,
    ("/host/visits/{uid}", "POST"): STAFF,
    ("/staff", "GET"): STAFF,
    ("/staff/catalogue", "GET"): STAFF,
    ("/staff/catalogue/profile", "GET"): STAFF,
    ("/staff/catalogue/profile", "POST"): STAFF,
    ("/staff/catalogue/{kind}/new", "GET"): STAFF,
    ("/staff/catalogue/{kind}/new", "POST"): STAFF,
    ("/staff/catalogue/{kind}/{item_id}", "GET"): STAFF,
    ("/staff/catalogue/{kind}/{item_id}", "POST"): STAFF,
    ("/staff/catalogue/{kind}/{item_id}/delete", "GET"): STAFF,
    ("/staff/catalogue/{kind}/{item_id}/delete", "POST"): STAFF,
    ("/staff/members", "GET"): STAFF,
    ("/staff/members", "POST"): STAFF,
    ("/staff/members/{company_id}", "GET"): STAFF,
    ("/staff/members/{company_id}", "POST"): STAFF,
    ("/staff/members/{company_id}/status", "POST"): STAFF,
    ("/staff/members/{company_id}/people/{person_id}/invite", "POST"): STAFF,
    ("/staff/ledger", "GET"): STAFF,
    ("/staff/outcomes", "GET"): STAFF,
    ("/staff/partners", "GET"): STAFF,
    ("/staff/partners/{node_id}/sync", "POST"): STAFF,
    ("/staff/attention", "GET"): STAFF,
    ("/staff/attention/{kind}/{item_id}/{action}", "GET"): STAFF,
    ("/staff/attention/{kind}/{item_id}/{action}", "POST"): STAFF,
    ("/staff/visits/{uid}/check-in", "POST"): STAFF,
    ("/admin/plugins", "GET"): ADMIN,
    ("/admin/plugins/{name}/{action}", "POST"): ADMIN,
    ("/federation/registry", "GET"): PUBLIC,  # the coordinator's signed registry: anyone may verify it
    ("/federation/catalogue/changes", "GET"): SIGNED,
    ("/federation/notices", "POST"): SIGNED,
    ("/federation/ping", "POST"): SIGNED,
    ("/federation/visits", "POST"): SIGNED,
    ("/federation/visits/quote", "POST"): SIGNED,
    ("/federation/visits/updates", "POST"): SIGNED,
    ("/federation/visits/{uid}/cancel", "POST"): SIGNED,
    ("/federation/events/registrations", "POST"): SIGNED,
    ("/federation/events/registrations/updates", "POST"): SIGNED,
    ("/federation/events/registrations/{uid}/cancel", "POST"): SIGNED,
    ("/federation/followup/outcomes", "POST"): SIGNED,
    ("/federation/ledger/receipts", "POST"): SIGNED,
    ("/federation/ledger/issued", "POST"): SIGNED,
    ("/federation/ledger/refusals", "POST"): SIGNED,
    ("/federation/privacy/erasures", "POST"): SIGNED,
}
PAGE_ALLOWED = {role: levels | ({PERSON} if role is Role.MEMBER else set()) for role, levels in ALLOWED.items()}
SIGN_IN = ("/login", "/logout", "/auth/oidc/login", "/auth/oidc/callback")  # lead to the login page by design
UNKNOWN_UID = "00000000-0000-4000-8000-000000000000"


def url_of(path: str, desk) -> str:
    values = {
        "filename": "style.css",
        "token": "not-a-real-token",
        "node_id": "no-such-node",
        "uid": UNKNOWN_UID,
        "kind": "desk",
        "item_id": desk.id,
        "company_id": 1,
        "person_id": 1,
        "name": "no-such-plugin",
        "action": "enable",
    }
    return path.format(**values)


def test_policy_covers_every_route(app):
    assert set(routes(app, api=False)) == set(POLICY)


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.HOST_STAFF, Role.ADMIN], ids=str)
def test_page_matrix(app, client, role, make_user, make_desk, login):
    """Refused: anonymous visitors are sent to the login page, logged-in users get 403; a page a
    role may open is neither. Forms are posted with the session's CSRF token."""
    desk = make_desk()
    headers = {} if role is None else login(make_user(role=role))
    for (path, method), needs in POLICY.items():
        if needs not in (PUBLIC, LOGIN, PERSON, STAFF, ADMIN) or path in SIGN_IN:
            continue
        url = url_of(path, desk)
        response = client.open(url, method=method, data={}, headers=headers if method == "POST" else {})
        to_login = response.status_code == 302 and response.headers["Location"].startswith("/login")
        if needs in PAGE_ALLOWED[role]:
            assert not to_login and response.status_code not in (401, 403), (role, method, url, response.status_code)
        elif role is None:
            assert to_login, (method, url, response.status_code)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_capability_links_need_their_token_not_a_login(app, client, make_user, make_desk, login):
    desk = make_desk()
    links = [(url_of(path, desk), method) for (path, method), needs in POLICY.items() if needs == TOKEN]
    for url, method in links:
        assert client.open(url, method=method, data={}).status_code == 404, url
    headers = login(make_user(role=Role.ADMIN))
    for url, method in links:
        assert client.open(url, method=method, data={}, headers=headers).status_code == 404, url


@pytest.fixture
def partner_key(within):
    """The key of a registered, active partner node."""
    key = generate_key()
    peer = Peer(node_id="node-partner", name="Partner", base_url="http://partner.example", trust=TrustSource.PINNED)
    peer.keys.append(PeerKey(key_id=key.key_id, jwk=key.public_jwk()))
    within(add_row, peer)
    return key


def _signed(method: str, url: str, key, body: bytes | None = None) -> dict:
    return sign_request(method, url, {"Content-Type": "application/json"}, body, key.key.private_key, key.key_id)


def test_federation_endpoints_take_a_partners_signature_and_nothing_else(
    app, client, make_user, make_desk, bearer, partner_key
):
    """A registered partner's signature gets past the door of each (what it may then do to which
    visit: tests/visits/test_security.py); no user credential opens them, an admin's API token
    included, and a signature by a key no partner holds is refused the same way."""
    desk = make_desk()
    admin = bearer(make_user(role=Role.ADMIN))
    stranger = generate_key()
    for (path, method), needs in POLICY.items():
        if needs != SIGNED:
            continue
        url = f"http://localhost{url_of(path, desk)}"
        body = b"{}" if method == "POST" else None
        for headers in ({}, admin):
            headers = {"Content-Type": "application/json", **headers}
            response = client.open(url, method=method, data=body, headers=headers)
            assert response.status_code == 401, (url, headers, response.status_code)
        response = client.open(url, method=method, data=body, headers=_signed(method, url, stranger, body))
        assert response.status_code == 401 and "key" in response.json["message"].lower(), (url, response.json)
        response = client.open(url, method=method, data=body, headers=_signed(method, url, partner_key, body))
        assert response.status_code not in (401, 403), (url, response.status_code, response.json)


def test_a_partners_signature_is_no_api_credential(client, partner_key):
    for (path, method), needs in API_POLICY.items():
        if method == "GET" and needs != PUBLIC:
            ids = {"item_id": 1, "company_id": 1, "person_id": 1, "user_id": 1, "uid": UNKNOWN_UID, "node": "x"}
            url = "http://localhost" + path.format(**ids)
            assert client.get(url, headers=_signed("GET", url, partner_key)).status_code == 401, url


def test_staff_of_another_node_are_strangers_in_its_pages(app, client, make_user, login, instance_folder):
    """The same e-mail and password on another node, and that node's session cookie: nothing."""
    from roaming import create_app
    from roaming.db import engine_for

    staff = make_user(role=Role.HOST_STAFF)
    other = create_app({"INSTANCE_PATH": instance_folder("other"), "SECRET_KEY": "other", "TESTING": True})
    try:
        other_client = other.test_client()
        login(staff)  # logged in here ...
        cookie = client.get_cookie("roaming_session")
        other_client.set_cookie("roaming_session", cookie.value)  # ... and the cookie taken elsewhere
        response = other_client.get("/staff")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        answer = other_client.post("/api/auth/login", json={"email": staff.email, "password": PASSWORD})
        assert answer.status_code == 401
    finally:
        engine_for(other).dispose()  # its database connections, now, not at garbage collection
