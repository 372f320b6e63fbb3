"""The German and French catalogues cover every text of the pages and e-mails, keep their
placeholders, and the compiled .mo files are those of the .po files (``pybabel compile -d
roaming/translations``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template
from sqlalchemy import select

from roaming import i18n
from roaming.accounts.models import Role
from roaming.db import session, utcnow
from roaming.events import notices as event_notices
from roaming.events import texts as event_texts
from roaming.events.models import Registration, RegistrationState
from roaming.followup import operations as followup
from roaming.followup.models import Stage, Survey
from roaming.i18n import written_in
from roaming.members.models import Person
from roaming.notify import Recipient
from roaming.notify.models import Notification
from roaming.peers.mirror import apply_change
from roaming.peers.models import VisitRole
from roaming.visits import hosting
from roaming.visits import notices as visit_notices
from roaming.visits import texts as visit_texts
from roaming.visits.models import Visit, VisitState
from tests.conftest import PASSWORD
from tests.support.visits import home_visit_row
from tests.visits.conftest import receive
from tests.web.test_pages import STAFF_PAGES

pytestmark = pytest.mark.one_database(reason="translated pages and messages")

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "roaming" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = tmp_path_factory.mktemp("babel") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(out),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def _ids(message_id) -> tuple:
    return tuple(message_id) if isinstance(message_id, tuple | list) else (message_id,)


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_text_is_translated_with_its_placeholders(template, language):
    with (FOLDER / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = {message.id: message.string for message in read_po(handle) if message.id}
    assert template - set(catalog) == set(), "run pybabel extract/update and translate the new texts"
    for message_id in template:
        translations = _ids(catalog[message_id])
        assert all(translations), f"{language}: no translation for {message_id!r}"
        wanted = set(PLACEHOLDER.findall(_ids(message_id)[-1]))
        for translation in translations:
            assert set(PLACEHOLDER.findall(translation)) == wanted, f"{language}: {message_id!r}"


@pytest.mark.parametrize("language", ["de", "fr"])
def test_compiled_catalogues_match_their_sources(language):
    folder = FOLDER / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source = {_ids(message.id): _ids(message.string) for message in read_po(po) if message.id}
        compiled = {_ids(message.id): _ids(message.string) for message in read_mo(mo) if message.id}
    assert compiled == source, "run: pybabel compile -d roaming/translations"


# The e-mails' words that the code picks by a visit's or registration's state (the rest are in the
# templates/mail templates, which the extraction above reads like the pages' templates).
E_MAIL_TEXTS = [
    *visit_texts.VISITOR_SUBJECTS.values(),
    *visit_texts.HEADLINES.values(),
    *visit_texts.STAFF_SUBJECTS.values(),
    *event_texts.HEADLINES.values(),
    *followup.SUBJECTS,
    followup.INVITATION,
]


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_e_mail_texts_are_messages_of_the_catalogues(app, template, language):
    with app.app_context():
        with written_in("en"):
            english = [str(text) for text in E_MAIL_TEXTS]
        with written_in(language):
            translated = [str(text) for text in E_MAIL_TEXTS]
    assert set(english) <= template, "e-mail texts the extraction does not find"
    assert [text for text, words in zip(english, translated, strict=True) if text == words] == [], language


@pytest.mark.parametrize("language", ["de", "fr"])
def test_no_catalogue_entry_is_fuzzy(language):
    """A fuzzy entry (a guess ``pybabel update`` made) is not used: the page would show English."""
    with (FOLDER / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        fuzzy = [message.id for message in read_po(handle) if message.id and message.fuzzy]
    assert fuzzy == [], f"{language}: check and translate these, then drop the fuzzy flag"


# --- Pages and e-mails, rendered: no English text shows through ---------------------------------

MIN_LETTERS = 4  # shorter texts ("OK", "PDF") say nothing about whether a page was translated


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and the labelling attributes, without scripts,
    styles, and what the page marks ``translate="no"`` (a plugin's own description, codes)."""

    SHOWN = ("aria-label", "placeholder", "title", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[bool] = []  # per open element: whether its text is hidden

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        hidden = bool(self._open and self._open[-1]) or tag in ("script", "style", "title")
        hidden = hidden or values.get("translate") == "no"
        if not hidden:
            self.parts.extend(values[name] for name in self.SHOWN if values.get(name))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"])
        if tag not in self.VOID:
            self._open.append(hidden)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        if not (self._open and self._open[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_patterns(language: str) -> dict[str, re.Pattern]:
    """Each English text of the catalogue whose translation differs from it, as a pattern that
    finds it on a page (placeholders match anything short)."""
    with (FOLDER / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = list(read_po(handle))
    own_words = " ".join(" ".join(_ids(message.string)) for message in catalog if message.id)
    patterns = {}
    for message in catalog:
        if not message.id:
            continue
        for english, translated in zip(_ids(message.id), _ids(message.string), strict=False):
            text = " ".join(english.split())
            if text == " ".join(translated.split()) or len(re.sub(r"%\(\w+\)s|\W", "", text)) < MIN_LETTERS:
                continue
            pieces = [piece.strip() for piece in PLACEHOLDER.split(text)[::2] if piece.strip()]
            if PLACEHOLDER.search(text) and len(" ".join(pieces).split()) < 2:
                continue  # "%(num)s visits": one word is no sign of an untranslated sentence
            pattern = re.compile(r"(?<![\w/-])" + r".{0,120}?".join(map(re.escape, pieces)) + r"(?![\w/-])")
            if not pattern.search(own_words):  # "Partners" is German too ("jedes Partners")
                patterns[text] = pattern
    return patterns


def english_in(text: str, patterns: dict[str, re.Pattern]) -> list[str]:
    return sorted(english for english, pattern in patterns.items() if pattern.search(text))


@pytest.fixture
def world(
    app,
    within,
    make_profile,
    make_location,
    make_desk,
    make_room,
    make_service,
    make_event,
    make_person,
    make_user,
    home_peer,
):
    """A node with something on every page, named in words that are no English texts of the
    catalogue (what people type is shown as typed)."""
    make_profile(name="Technologiefabrik", description="Karlsruher Netzwerk")
    location = make_location(name="Technologiepark", opening_hours={})
    desk = make_desk(location=location, name="Platz Rhein")
    make_room(location=location, name="Raum Neckar")
    make_service(name="Kaffee")
    event = make_event(location=location, title="Abendtreff")
    person = make_person(name="Ana Weber", language="en")
    users = {
        "member": make_user(role=Role.MEMBER, person=person),
        "staff": make_user(role=Role.HOST_STAFF, name="Lena Kurz"),
        "admin": make_user(role=Role.ADMIN, name="Otto Lang"),
    }
    hosted = within(receive, home_peer, desk)
    within(lambda: hosting.approve(hosting.hosted_visit(hosted.uid), by="staff"))

    def own_visit():
        peer = session.merge(home_peer[0])
        visit = home_visit_row(
            peer,
            date(2030, 1, 7),
            date(2030, 1, 8),
            person_id=person.id,
            state=VisitState.CONFIRMED,
            visitor={"name": "Ana Weber", "email": person.email, "language": "en"},
            resource={
                "location": {
                    "name": "Technologiepark",
                    "city": "Karlsruhe",
                    "country": "DE",
                    "timezone": "Europe/Berlin",
                },
                "desk": {"name": "Platz Rhein"},
            },
        )
        session.add(visit)
        session.flush()
        return visit

    mine = within(own_visit)
    peer = home_peer[0]
    changes = app.test_client().get("/api/catalogue/changes?since=0&limit=100").json
    within(lambda: [apply_change(session.merge(peer), change) for change in changes["changes"]])
    partner_pages = [
        "/search?kind=desk",
        "/search?kind=event",
        f"/clusters/{peer.node_id}",
        f"/clusters/{peer.node_id}/desks/{desk.uid}",
        f"/clusters/{peer.node_id}/events/{event.uid}",
        f"/visits/new?host={peer.node_id}&desk={desk.uid}",
    ]
    return {
        "person_id": person.id,
        "hosted": hosted.uid,
        "own": mine.id,
        "users": users,
        "anonymous": ["/", "/network", "/network/newsletter", "/login", "/nowhere"],
        "member": ["/search", "/me/visits", f"/me/visits/{mine.uid}", "/network/newsletter", "/staff", *partner_pages],
        "staff": [
            *STAFF_PAGES,
            f"/staff/catalogue/locations/{location.id}",
            f"/staff/catalogue/desks/{desk.id}",
            f"/staff/members/{person.company_id}",
            "/staff/attention",
            f"/host/visits/{hosted.uid}",
            "/admin/plugins",
        ],
        "admin": ["/admin/plugins"],
    }


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_page_shows_no_english_text(app, world, language):
    """Each page, for each role that uses it (and the error pages a browser gets), in German and
    French: none of the catalogue's English texts shows through."""
    patterns = english_patterns(language)
    found = {}
    for role in ("anonymous", "member", "staff", "admin"):
        browser = app.test_client()
        if role != "anonymous":
            user = world["users"][role]
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
            logged_in = browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
            assert logged_in.status_code == 302, role
        with browser.session_transaction() as kept:
            kept["language"] = language  # as the language switch leaves it
        for path in world[role]:
            page = browser.get(path, headers={"Accept": "text/html"})
            assert page.status_code in (200, 403, 404), (role, path, page.status_code)
            if leftovers := english_in(visible_text(page.text), patterns):
                found[f"{role} {path}"] = leftovers
    assert found == {}, f"{language}: English on the pages: {json.dumps(found, indent=1, ensure_ascii=False)}"


def _every_e_mail(world, language: str) -> list[tuple[str, str]]:
    """Each e-mail the node writes, made for a recipient writing ``language``: (kind, text of its
    subject, plain and HTML bodies)."""
    person = session.get(Person, world["person_id"])
    person.language = language
    recipient = Recipient(person.email, person.name, language)
    hosted, own = hosting.hosted_visit(world["hosted"]), session.get(Visit, world["own"])
    for kind in visit_texts.STAFF_SUBJECTS:
        visit_notices._queue_staff(recipient, hosted, kind)
    for state in VisitState:
        own.state = state
        visit_notices.visitor_update(own, recipient)
    visit_notices.visitor_update(own, recipient, state_changed=False)
    for state in RegistrationState:
        registration = Registration(
            uid=str(uuid.uuid4()),
            role=VisitRole.HOME,
            peer=own.peer,
            event_uid=str(uuid.uuid4()),
            event={
                "title": "Abendtreff",
                "starts_at": "2030-01-07T17:00:00+00:00",
                "timezone": "Europe/Berlin",
                "place": "Technologiepark",
            },
            state=state,
            version=0,
            waitlist_position=2,
            price={"amount": 1500, "currency": "EUR"},
            person_id=person.id,
            person_ref="p-0001",
        )
        session.add(registration)
        event_notices.visitor_update(registration)
    survey = Survey(
        visit=own,
        person_id=person.id,
        stage=Stage.FIRST,
        token=uuid.uuid4().hex,
        due_at=utcnow(),
        uid=str(uuid.uuid4()),
    )
    session.add(survey)
    session.flush()
    followup._mail(survey, reminder=False)
    followup._mail(survey, reminder=True)
    with written_in(language):
        news = {"title": "Neues", "cluster": "Technologiefabrik", "published_at": date(2030, 1, 7), "body": "Bericht"}
        for template in ("mail/newsletter.txt", "mail/newsletter.html"):
            rendered = render_template(template, news=[news], studies=[], names={}, person=person, days=30)
            yield template, rendered
    for mail in session.scalars(
        select(Notification).where(Notification.language == language).order_by(Notification.id)
    ):
        yield mail.kind, f"{mail.subject}\n{mail.text}"
        yield mail.kind, visible_text(mail.html)


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_e_mail_shows_no_english_text(app, world, language):
    """Every e-mail (to staff and visitors, about visits, events, surveys, the newsletter) made in
    German and French: none of the catalogue's English texts shows through."""
    patterns = english_patterns(language)
    found = {}
    with app.test_request_context():
        kinds = set()
        for kind, text in _every_e_mail(world, language):
            kinds.add(kind)
            if leftovers := english_in(" ".join(text.split()), patterns):
                found.setdefault(kind, set()).update(leftovers)
        session.rollback()
    assert {"visit.request", "visit.confirmed", "event.registered", "followup.first"} <= kinds
    assert found == {}, f"{language}: English in the e-mails: {found}"


@pytest.mark.parametrize(
    ("language", "shown", "zone", "february"),
    [
        ("en", "Jan 7, 2030, 9:00\u202fAM", "Central European Time", "Feb 2026"),
        ("de", "07.01.2030, 09:00", "Mitteleuropäische Zeit", "Feb. 2026"),
        ("fr", "7 janv. 2030, 09:00", "heure d’Europe centrale", "févr. 2026"),
    ],
)
def test_times_months_and_places_are_written_for_the_language(app, language, shown, zone, february):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert i18n.moment(datetime(2030, 1, 7, 8, 0, 59, tzinfo=UTC), "Europe/Berlin") == shown  # no seconds
        i18n.moment(datetime(2030, 1, 8, 8, 0, tzinfo=UTC), "Europe/Berlin")
        assert i18n.zones_shown() == [zone]  # named once, however many times were shown
        assert i18n.month("2026-02") == february
        assert i18n.country_name("DE") in ("Germany", "Deutschland", "Allemagne")
        assert i18n.history_note("Checked in on 2030-01-07.") != "Checked in on 2030-01-07." or language == "en"
        assert i18n.history_note("Cancelled 5.") == "Cancelled 5."  # a person's words stay as typed


def test_a_page_names_the_zone_of_its_times_once_at_its_foot(app, world):
    browser = app.test_client()
    staff = world["users"]["staff"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
    browser.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf})
    page = browser.get("/staff/catalogue", headers={"Accept-Language": "de"}).text
    assert page.count("Mitteleuropäische Zeit") == 1 and "Zeitangaben in: Mitteleuropäische Zeit" in page
    assert "18:00" in page and not re.search(r"\d:\d\d:\d\d|\d:\d\d \(", page)  # no seconds, no zone after a time
