"""Links given by staff or partners: only http, https and mailto, refused when saved (422 naming
the field, in the API, the staff's forms and the imports) and shown as text when a bad one is
stored anyway (a partner's copy, data from before the check), on every page and e-mail showing one."""

from __future__ import annotations

import json
import re

import pytest

from roaming.accounts.models import Role
from roaming.catalogue.models import ClusterProfile, NewsItem
from roaming.cli import cli
from roaming.db import session
from roaming.links import external_link, link_problem, safe_link
from roaming.network.operations import send_digest
from roaming.notify.models import Notification
from roaming.peers.models import MirroredItem, Peer, PeerStatus, TrustSource
from tests.conftest import add_row

SCRIPT_LINKS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\u200bjavascript:alert(1)",
    "javascript&colon;alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "/relative/path",
    "https:evil.example",
    "http://",
    "https://evil.example\\@cyberforum.de",
    "mailto:",
    "mailto:?subject=no address",
    "",
]
GOOD_LINKS = [
    "https://www.cyberforum.de/",
    "HTTPS://example.org/a?b=1#c",
    "http://example.org",
    "mailto:info@cyberforum.de",
    "mailto:info@cyberforum.de?subject=Roaming",
]
JS = "javascript:alert(document.cookie)"


@pytest.mark.parametrize("value", SCRIPT_LINKS)
def test_anything_but_an_http_https_or_mailto_link_is_refused(value):
    assert link_problem(value) is not None and safe_link(value) is None


@pytest.mark.parametrize("value", GOOD_LINKS)
def test_http_https_and_mailto_links_pass(value):
    assert link_problem(value) is None and safe_link(value) == value


def test_a_bad_link_is_shown_as_text_and_a_good_one_as_a_link():
    assert str(external_link(JS)) == JS
    assert str(external_link('javascript:alert("<x>")')) == "javascript:alert(&#34;&lt;x&gt;&#34;)"
    assert str(external_link("https://example.org/?a=1&b=2", "<Read>")) == (
        '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">&lt;Read&gt;</a>'
    )
    assert str(external_link(None)) == ""


@pytest.mark.one_database(reason="what the API answers to a link; the schema decides before the database")
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/cluster", {"name": "CyberForum", "country": "DE", "website": JS}, "website"),
        ("/api/news", {"title": "Big news", "link": "data:text/html,<script>alert(1)</script>"}, "link"),
        ("/api/members/companies", {"name": "Acme", "country": "DE", "website": "java\tscript:alert(1)"}, "website"),
    ],
)
def test_saving_a_script_link_is_refused_naming_the_field(client, make_user, bearer, path, body, field):
    headers = bearer(make_user(role=Role.HOST_STAFF))
    method = client.put if path == "/api/cluster" else client.post
    refused = method(path, json=body, headers=headers)
    assert refused.status_code == 422 and "link" in refused.json["errors"]["json"][field][0]


@pytest.mark.one_database(reason="what the API answers to a link; the schema decides before the database")
def test_a_mailto_link_is_accepted_and_shown_as_one(client, make_user, bearer):
    headers = bearer(make_user(role=Role.HOST_STAFF))
    body = {"name": "CyberForum", "country": "DE", "website": "mailto:info@cyberforum.de"}
    assert client.put("/api/cluster", json=body, headers=headers).status_code == 200
    assert '<a href="mailto:info@cyberforum.de" rel="noopener noreferrer">' in client.get("/").get_data(as_text=True)


@pytest.mark.one_database(reason="what a form answers to a link")
def test_the_staff_form_refuses_a_script_link_beside_its_field(client, make_user, login):
    login(make_user(role=Role.HOST_STAFF))
    page = client.get("/staff/catalogue/profile").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "name": "CyberForum", "country": "DE", "website": JS}
    refused = client.post("/staff/catalogue/profile", data=form)
    assert refused.status_code == 422 and "Only http, https and mailto links are accepted" in refused.get_data(
        as_text=True
    )


@pytest.mark.one_database(reason="what an import answers to a link")
def test_an_import_with_a_script_link_imports_nothing(app, tmp_path):
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps({"cluster": {"name": "it@cork", "country": "IE", "website": JS}}))
    result = app.test_cli_runner().invoke(cli, ["import", "catalogue", str(catalogue)])
    assert result.exit_code == 1 and "website: Only http, https and mailto links" in result.output


@pytest.fixture
def partner(within):
    """A partner whose mirrored profile and news carry script links (stored before the check, or
    by a node that skipped it)."""

    def add():
        peer = Peer(node_id="hostile", name="Hostile cluster", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        peer.status = PeerStatus.ACTIVE
        session.add(peer)
        session.flush()
        profile = {"name": "Hostile cluster", "country": "IE", "website": JS, "visitor_contact_email": None}
        news = {"title": "Click me", "body": "", "link": JS, "published_at": "2026-12-01T10:00:00+00:00"}
        session.add(MirroredItem(peer=peer, uid="c1", kind="cluster", change_seq=1, data=profile))
        session.add(MirroredItem(peer=peer, uid="n1", kind="news", change_seq=2, data=news))
        session.commit()
        return peer.node_id

    return within(add)


def _no_script_link(html: str) -> None:
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript", html, re.IGNORECASE), html
    assert JS in html  # shown, as text


@pytest.mark.one_database(reason="what the pages show of a stored link")
def test_pages_show_stored_script_links_as_text(client, within, make_user, login, partner, make_company):
    within(lambda: add_row(ClusterProfile(name="CyberForum", country="DE", website=JS)))
    within(lambda: add_row(NewsItem(title="Our news", link=JS)))
    company = make_company(website=JS)
    _no_script_link(client.get("/").get_data(as_text=True))
    _no_script_link(client.get("/network/newsletter").get_data(as_text=True))
    login(make_user(role=Role.HOST_STAFF))
    _no_script_link(client.get(f"/clusters/{partner}").get_data(as_text=True))
    _no_script_link(client.get(f"/staff/members/{company.id}").get_data(as_text=True))


@pytest.mark.one_database(reason="what the e-mail shows of a stored link")
def test_the_newsletter_e_mail_shows_stored_script_links_as_text(within, partner, make_person):
    make_person(newsletter=True)
    assert within(lambda: send_digest(days=36500)) == 1
    html = within(lambda: session.query(Notification).one().html)
    _no_script_link(html)
