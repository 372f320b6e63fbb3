"""The German and French catalogues cover every text of the pages and e-mails, keep their
placeholders, and the compiled .mo files are those of the .po files (``pybabel compile -d
roaming/translations``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from roaming.events import texts as event_texts
from roaming.followup import operations as followup
from roaming.i18n import written_in
from roaming.visits import texts as visit_texts

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
