"""``roaming users invite`` and ``roaming import members --invite``: people get a link to set
their password by e-mail; the command says until when it works, or what to do instead."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from roaming.accounts.models import PasswordLink, Role, User
from roaming.cli import cli
from roaming.db import session
from roaming.notify.models import Notification

pytestmark = pytest.mark.one_database(
    reason="command parsing and output; the operations they call are tested on both databases"
)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(cli, list(args))

    return invoke


def _recipients(app) -> list[str]:
    with app.app_context():
        return list(session.scalars(select(Notification.recipient_email).order_by(Notification.id)))


def test_inviting_a_person_makes_their_account_and_mails_them_a_link(run, app, make_person):
    person = make_person(language="fr")
    invited = run("users", "invite", person.email.upper())
    assert invited.exit_code == 0, invited.output
    assert f"Invited {person.email.upper()}: the link works once, until " in invited.output and "UTC" in invited.output
    again = run("users", "invite", person.email)
    assert again.exit_code == 0
    with app.app_context():
        user = session.scalar(select(User).where(User.person_id == person.id))
        assert user.role is Role.MEMBER and user.password_hash is None
        assert len(session.scalars(select(PasswordLink)).all()) == 1  # the second link replaced the first
        assert session.scalars(select(Notification.language)).all() == ["fr", "fr"]
    assert _recipients(app) == [person.email, person.email]


def test_a_staff_account_can_be_invited_too(run, app, make_user):
    staff = make_user(role=Role.ADMIN)
    assert run("users", "invite", staff.email).exit_code == 0
    assert _recipients(app) == [staff.email]


def test_an_unknown_address_says_how_to_add_the_person(run, app):
    refused = run("users", "invite", "ghost@example.org")
    assert refused.exit_code == 1
    assert "Nobody has the address ghost@example.org" in refused.output and "roaming import members" in refused.output
    assert _recipients(app) == []


def test_a_deactivated_account_is_refused_with_the_fix(run, app, make_user):
    member = make_user(role=Role.MEMBER)
    assert run("users", "deactivate", member.email).exit_code == 0
    refused = run("users", "invite", member.email)
    assert refused.exit_code == 1 and "is deactivated; activate it first" in refused.output
    assert _recipients(app) == []


def test_a_person_with_a_staff_accounts_address_is_refused(run, app, make_user, make_person):
    make_user(email="shared@example.org")
    make_person(email="shared@example.org")
    refused = run("users", "invite", "shared@example.org")
    assert refused.exit_code == 1 and "exists already" in refused.output
    assert _recipients(app) == []


def test_the_member_import_invites_people_without_a_log_in(run, app, tmp_path, make_user):
    make_user(role=Role.MEMBER)  # has a log-in: not invited again
    members = tmp_path / "members.json"
    people = [{"name": "P", "email": "p@a.example"}, {"name": "Q", "email": "q@a.example"}]
    members.write_text(json.dumps({"companies": [{"name": "A", "country": "DE", "people": people}]}))
    imported = run("import", "members", str(members), "--invite")
    assert imported.exit_code == 0, imported.output
    assert "Invited 2 people to set a password." in imported.output
    assert sorted(_recipients(app)) == ["p@a.example", "q@a.example"]


def test_the_invite_commands_explain_themselves(run):
    helped = run("users", "invite", "--help")
    assert helped.exit_code == 0 and "invitation_days" in " ".join(helped.output.split())
    assert "--invite" in run("import", "members", "--help").output
    assert "roaming users invite" in run("users", "create", "--help").output
