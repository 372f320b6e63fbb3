"""The admin onboards people, in Chromium against a running node that sends its e-mail to a real
SMTP server: the admin adds a person to a member company and invites them, the invitation
arrives in the person's language, the person opens its link, sets a password and lands logged
in on their page; someone who forgot their password gets a link the same way. In English and in
German (the German run asserts the structure, not the words, until the lead translates)."""

from __future__ import annotations

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from roaming.db import session
from roaming.members import onboarding
from roaming.members.models import MemberCompany, Person
from tests.support.nodes import running_node
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.one_database(reason="a journey through the pages; the operations run on both databases")

LINK = re.compile(r"http://127\.0\.0\.1:\d+/password/new/[A-Za-z0-9_-]+")
LOGGED_IN = "form[action='/logout'] button"
FIRST_PASSWORD = "harbour lights at dusk"
SECOND_PASSWORD = "a quieter second passphrase"
LOCALES = {"en-GB": "en", "de-DE": "de"}


@pytest.fixture(scope="module")
def node_and_inbox(tmp_path_factory):
    with SmtpServer() as smtp:
        mail = {"mail_server": "127.0.0.1", "mail_port": smtp.port}
        with running_node(tmp_path_factory.mktemp("onboarding"), "CyberForum", "DE", **mail) as node:
            with node.app_context():
                company = MemberCompany(name="Datenwerk GmbH", country="DE")
                session.add(company)
                session.flush()
                company_id = company.id
            yield node, company_id, smtp.inbox


def _serious(page) -> list[str]:
    return [
        f"{page.url}: {violation['id']} {violation['help']}"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _second_mail(inbox, address: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while len(inbox.to(address)) < 2:
        assert time.monotonic() < deadline, f"no second mail to {address} within {timeout} s"
        time.sleep(0.1)
    return inbox.to(address)[1]


def _link_in(message) -> str:
    return LINK.search(message.get_body(("plain",)).get_content()).group(0)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_admin_invites_a_person_who_sets_a_password_and_lands_logged_in(node_and_inbox, new_page, locale):
    node, company_id, inbox = node_and_inbox
    language = LOCALES[locale]
    address = f"aoife.{language}@datenwerk.example"
    admin = new_page(locale=locale)
    log_in(admin, node, node.admin_email, node.admin_password)
    admin.goto(f"{node.url}/staff/members/{company_id}")
    admin.locator("#name").fill(f"Aoife Murphy {language}")
    admin.locator("#email").fill(address)
    admin.locator("#language").select_option(language)
    admin.locator("form[aria-labelledby='add-person'] button[type=submit]").click()
    row = admin.locator("tr", has_text=address)
    expect(row).to_be_visible()
    row.locator("button[type=submit]").click()
    expect(admin.locator(".flash.ok")).to_contain_text(address)
    expect(admin.locator("tr", has_text=address).locator("td").nth(2)).to_contain_text(":")  # until when
    assert _serious(admin) == []

    (invitation,) = inbox.wait_for(address)
    assert invitation["Content-Language"] == language
    link = _link_in(invitation)
    assert link in invitation.get_body(("html",)).get_content()

    person = new_page(locale=locale)
    person.goto(link)
    expect(person.locator("h1")).to_be_visible()
    assert _serious(person) == []
    person.locator("#password").fill(FIRST_PASSWORD)
    person.locator("#password_again").fill("not the same")
    person.locator("main form button[type=submit]").click()
    expect(person.locator("#password_again-error")).to_be_visible()  # beside the field, nothing lost but it
    person.locator("#password").fill(FIRST_PASSWORD)
    person.locator("#password_again").fill(FIRST_PASSWORD)
    person.locator("main form button[type=submit]").click()
    expect(person).to_have_url(f"{node.url}/me/visits")
    expect(person.locator(LOGGED_IN)).to_be_visible()
    expect(person.locator(".flash.ok")).to_be_visible()

    person.goto(link)  # once only
    expect(person.locator("a[href='/password/forgot']").first).to_be_visible()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_person_who_forgot_their_password_sets_a_new_one_by_mail(node_and_inbox, new_page, locale):
    node, company_id, inbox = node_and_inbox
    language = LOCALES[locale]
    address = f"jana.{language}@datenwerk.example"
    with node.app_context():
        person = Person(company_id=company_id, name="Jana Weber", email=address, language=language)
        session.add(person)
        session.flush()
        onboarding.invite(person)
    (invitation,) = inbox.wait_for(address)

    page = new_page(locale=locale)
    page.goto(_link_in(invitation))
    page.locator("#password").fill(FIRST_PASSWORD)
    page.locator("#password_again").fill(FIRST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(LOGGED_IN)).to_be_visible()
    page.locator(LOGGED_IN).click()

    page.goto(f"{node.url}/login")
    page.locator("main a[href='/password/forgot']").click()
    page.locator("#email").fill(address)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_contain_text(address)
    reset = _second_mail(inbox, address)
    assert reset["Content-Language"] == language
    page.goto(_link_in(reset))
    page.locator("#password").fill(SECOND_PASSWORD)
    page.locator("#password_again").fill(SECOND_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{node.url}/me/visits")

    page.goto(f"{node.url}/me/password")  # and changes it again, knowing the current one
    assert _serious(page) == []
    page.locator("#current_password").fill(SECOND_PASSWORD)
    page.locator("#new_password").fill(FIRST_PASSWORD)
    page.locator("#new_password_again").fill(FIRST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.locator(LOGGED_IN)).to_be_visible()

    log_in(new_page(locale=locale), node, address, FIRST_PASSWORD)


def log_in(page, node, address: str, password: str) -> None:
    """Log in by the form's fields (not their English labels), as in any language."""
    page.goto(f"{node.url}/login")
    page.locator("#email").fill(address)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(LOGGED_IN)).to_be_visible()
