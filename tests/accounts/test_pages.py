"""The log-in page and the other pages that take a ``next``: never off-site, never a 500."""

from __future__ import annotations

import re

import pytest

from roaming.accounts.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.one_database(reason="where a page redirects to: the engine cannot change it")

HOSTILE_NEXT = [
    "/%09/evil.example",  # the browser drops the tab: //evil.example
    "/%0d%0aSet-Cookie:%20stolen=1",  # was a 500 (a newline in the Location header)
    "/%2509/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
]


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_hostile_next_after_log_in_is_ignored_for_the_person_s_own_landing(client, make_user, target):
    user = make_user()  # host staff: their dashboard
    csrf = csrf_of(client.get(f"/login?next={target}").data)
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    assert client.get("/api/me").status_code == 200  # logged in all the same


def test_a_same_site_next_is_followed(client, make_user):
    user = make_user()
    csrf = csrf_of(client.get("/login").data)
    response = client.post(
        "/login?next=/search%3Fq%3Ddesk", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=desk"


@pytest.mark.parametrize(
    ("role", "landing"), [(Role.ADMIN, "/staff"), (Role.HOST_STAFF, "/staff"), (Role.MEMBER, "/me/visits")]
)
def test_each_role_lands_where_its_work_is(client, make_user, role, landing):
    user = make_user(role=role)
    csrf = csrf_of(client.get("/login").data)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get(landing).status_code == 200


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\nSet-Cookie: stolen=1", "//evil.example"])
def test_the_language_switch_goes_back_only_to_this_node(client, target):
    csrf = csrf_of(client.get("/").data)
    response = client.post("/language", data={"csrf_token": csrf, "language": "de", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"
