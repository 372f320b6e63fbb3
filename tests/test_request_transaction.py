"""The request is the transaction: a success commits what it wrote, a failure or a refusal (even
one a page catches to show it) keeps nothing, and the audit of what staff read is kept whatever
happens."""

from __future__ import annotations

import pytest
from flask import Blueprint, redirect
from sqlalchemy import func, select

from roaming.audit.models import AuditEntry
from roaming.audit.operations import audit_read
from roaming.catalogue.models import ChangeCounter
from roaming.db import session
from roaming.errors import Conflict

pytestmark = pytest.mark.each_database


@pytest.fixture
def probe(app):
    """Views that write a counter row named after the request, then end in different ways."""
    bp = Blueprint("probe", __name__, url_prefix="/probe")

    def write(name: str) -> None:
        session.add(ChangeCounter(name=name, value=1))
        session.flush()

    @bp.post("/ok/<name>")
    def succeeds(name):
        write(name)
        return {"written": name}

    @bp.post("/refused/<name>")
    def refused(name):
        write(name)
        raise Conflict("Someone else changed it first.")

    @bp.post("/caught/<name>")
    def caught(name):
        write(name)
        try:
            raise Conflict("Someone else changed it first.")
        except Conflict:
            return redirect("/")  # a page shows the refusal after a redirect

    @bp.post("/read/<name>")
    def read_then_fail(name):
        write(name)
        audit_read("people.list", f"probe:{name}")
        raise Conflict("The form had errors.")

    app.register_blueprint(bp)
    return app.test_client()


def _kept(within, name: str) -> bool:
    return within(lambda: session.get(ChangeCounter, name)) is not None


def test_a_success_commits_what_it_wrote(probe, within):
    assert probe.post("/probe/ok/a").status_code == 200
    assert _kept(within, "a")


def test_a_refusal_keeps_nothing(probe, within):
    assert probe.post("/probe/refused/b").status_code == 409
    assert not _kept(within, "b")


def test_a_refusal_a_page_catches_keeps_nothing_though_it_redirects(probe, within):
    assert probe.post("/probe/caught/c").status_code == 302
    assert not _kept(within, "c")


def test_what_staff_read_is_audited_even_when_the_request_fails(probe, within):
    assert probe.post("/probe/read/d").status_code == 409
    assert not _kept(within, "d")
    audited = within(lambda: session.scalar(select(func.count()).where(AuditEntry.subject == "probe:d")))
    assert audited == 1


def test_an_audited_subject_with_a_control_character_is_kept_readable(within):
    within(audit_read, "visit.read", "visit:a\x00b")  # an id from a URL may hold one; PostgreSQL refuses NUL
    assert within(lambda: session.scalar(select(AuditEntry.subject))) == "visit:a\ufffdb"
