"""Invitations and password resets: one-time, expiring links, stored hashed, in the person's
language, and the same answer for an address without an account."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from functools import partial

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from roaming.accounts.models import PasswordLink, Role, User
from roaming.accounts.operations import authenticate, update_user
from roaming.accounts.password_links import LinkGone, redeem, usable_link
from roaming.db import session, utcnow
from roaming.errors import Conflict
from roaming.members import onboarding
from roaming.members.models import Person
from roaming.notify.models import Notification
from roaming.notify.operations import send_due
from tests.conftest import PASSWORD
from tests.support.races import at_once

pytestmark = pytest.mark.each_database

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://127\.0\.0\.1:5000/password/new/([A-Za-z0-9_-]+)")


def _invite(within, person) -> None:
    within(lambda: onboarding.invite(session.get(Person, person.id)))


def _mails(within) -> list[Notification]:
    return within(lambda: list(session.scalars(select(Notification).order_by(Notification.id))))


def _token_of(mail: Notification) -> str:
    return LINK.search(mail.text).group(1)


def test_an_invitation_makes_a_member_account_without_password_and_mails_a_link_in_the_persons_language(
    within, make_person
):
    person = make_person(name="Jana Weber", language="de")
    _invite(within, person)
    user = within(lambda: session.scalar(select(User).where(User.person_id == person.id)))
    assert user.role is Role.MEMBER and user.password_hash is None and user.email == person.email
    (mail,) = _mails(within)
    assert mail.recipient_email == person.email and mail.language == "de" and mail.kind == "account.invitation"
    assert _token_of(mail) in mail.html and "Jana Weber" in mail.text
    assert mail.erase_when_sent


def test_only_the_hash_of_the_token_is_stored_and_the_mail_forgets_the_link_once_sent(within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])
    stored = within(lambda: session.scalar(select(PasswordLink)))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(getattr(stored, column.key)) for column in PasswordLink.__table__.columns)
    assert within(send_due) == 1
    (mail,) = _mails(within)
    assert mail.sent_at is not None and token not in mail.text + mail.html


def test_the_link_sets_the_password_once(within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])
    user = within(redeem, token, NEW_PASSWORD)
    assert user.email == person.email
    with pytest.raises(LinkGone):
        within(redeem, token, "yet another passphrase")
    assert within(lambda: session.scalar(select(PasswordLink))) is None


def test_a_short_password_is_refused_and_the_link_still_works(within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])
    with pytest.raises(ValidationError) as refused:
        within(redeem, token, "short")
    assert "password" in refused.value.normalized_messages()
    within(redeem, token, NEW_PASSWORD)


def test_an_expired_link_does_not_work(app, within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])

    def age():
        session.scalar(select(PasswordLink)).expires_at = utcnow() - timedelta(seconds=1)

    within(age)
    with pytest.raises(LinkGone):
        within(redeem, token, NEW_PASSWORD)


def test_the_invitation_lasts_the_setting_and_a_reset_the_other(app, within, make_person, make_user):
    app.config.update(INVITATION_DAYS=3, PASSWORD_RESET_HOURS=5)
    person = make_person()
    expires_at = within(lambda: onboarding.invite(session.get(Person, person.id)))
    assert timedelta(days=3) - timedelta(minutes=1) < expires_at - utcnow() <= timedelta(days=3)
    staff = make_user()
    within(onboarding.ask_for_password_reset, staff.email)
    link = within(lambda: session.scalar(select(PasswordLink).where(PasswordLink.user_id == staff.id)))
    assert timedelta(hours=5) - timedelta(minutes=1) < link.expires_at - utcnow() <= timedelta(hours=5)


def test_inviting_again_replaces_the_older_link(within, make_person):
    person = make_person()
    _invite(within, person)
    _invite(within, person)
    first, second = (_token_of(mail) for mail in _mails(within))
    with pytest.raises(LinkGone):
        within(usable_link, first)
    within(redeem, second, NEW_PASSWORD)
    assert within(lambda: session.scalar(select(User).where(User.person_id == person.id))).password_hash


def test_two_redemptions_at_once_exactly_one_wins(app, within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])

    def redeem_with(password):
        try:
            within(redeem, token, password)
        except LinkGone:
            return None
        return password

    outcomes = at_once(partial(redeem_with, "first passphrase!"), partial(redeem_with, "second passphrase"))
    winners = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1
    assert within(authenticate, person.email, winners[0]).person_id == person.id


def test_a_new_password_ends_a_pending_link(within, make_user):
    staff = make_user()
    within(onboarding.ask_for_password_reset, staff.email)
    token = _token_of(_mails(within)[0])
    within(lambda: update_user(session.get(User, staff.id), {"password": NEW_PASSWORD}))
    with pytest.raises(LinkGone):
        within(usable_link, token)


def test_a_reset_is_sent_only_to_an_active_account_and_nothing_tells_the_difference(within, make_user):
    staff = make_user()
    inactive = make_user()
    within(lambda: update_user(session.get(User, inactive.id), {"active": False}))
    answers = [
        within(onboarding.ask_for_password_reset, address)
        for address in (staff.email, "nobody@example.org", inactive.email)
    ]
    assert answers == [None, None, None]
    assert [mail.recipient_email for mail in _mails(within)] == [staff.email]
    assert _mails(within)[0].kind == "account.reset" and _mails(within)[0].language == "en"


def test_a_deactivated_account_is_not_invited_and_its_link_stops_working(within, make_person):
    person = make_person()
    _invite(within, person)
    token = _token_of(_mails(within)[0])
    within(lambda: update_user(session.scalar(select(User).where(User.person_id == person.id)), {"active": False}))
    with pytest.raises(LinkGone):
        within(usable_link, token)
    with pytest.raises(Conflict):
        _invite(within, person)


def test_import_can_invite_everyone_without_an_account(within, make_person, make_user):
    uninvited = make_person()
    has_login = make_user(role=Role.MEMBER)
    make_user(email="desk@example.org")
    shares_a_staff_address = make_person(email="desk@example.org")
    invited = within(lambda: [person.id for person in onboarding.invite_people_without_account()])
    assert invited == [uninvited.id]
    assert has_login.person_id != shares_a_staff_address.id
    assert [mail.recipient_email for mail in _mails(within)] == [uninvited.email]


def test_the_password_the_member_had_still_works_until_the_link_is_used(within, make_user):
    member = make_user(role=Role.MEMBER)
    within(lambda: onboarding.invite(session.get(Person, member.person_id)))
    assert within(authenticate, member.email, PASSWORD).id == member.id


def test_two_invitations_at_once_leave_one_link_the_last_mailed_one(within, make_person):
    person = make_person()
    invite = partial(_invite, within, person)
    at_once(invite, invite)
    links = within(lambda: session.scalars(select(PasswordLink)).all())
    assert len(links) == 1 and len(within(lambda: session.scalars(select(User)).all())) == 1
    tokens = [_token_of(mail) for mail in _mails(within)]
    assert len(tokens) == 2
    working = [token for token in tokens if within(_works, token)]
    assert len(working) == 1


def _works(token: str) -> bool:
    try:
        usable_link(token)
    except LinkGone:
        return False
    return True


def test_asking_again_and_again_sends_one_link_per_few_minutes_and_keeps_an_invitation(within, make_person):
    person = make_person()
    _invite(within, person)  # the person has not set a password yet
    for _ in range(3):
        within(onboarding.ask_for_password_reset, person.email)
    (mail,) = _mails(within)  # the invitation: asking within minutes of it sends nothing more
    within(usable_link, _token_of(mail))

    def sent_long_ago():
        link = session.scalar(select(PasswordLink))
        link.created_at -= onboarding.RESEND_GAP

    within(sent_long_ago)
    within(onboarding.ask_for_password_reset, person.email)
    invitation, again = _mails(within)
    assert again.kind == "account.invitation"  # not a two-hour reset: the person still has no password
    link = within(lambda: session.scalar(select(PasswordLink)))
    assert link.expires_at - utcnow() > timedelta(days=6)


def test_an_account_that_can_log_in_is_sent_a_new_password_link_not_an_invitation(within, make_person):
    person = make_person()
    _invite(within, person)
    within(redeem, _token_of(_mails(within)[0]), NEW_PASSWORD)
    _invite(within, person)
    assert _mails(within)[-1].kind == "account.reset"
