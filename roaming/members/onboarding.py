"""Onboarding people: invitations and password resets by e-mail.

Staff (a member's company page, the API, ``roaming users invite``) and the member import invite
a person: the person gets a member account without a password if they have none, and an e-mail
with a one-time link to set their password, in their language. "Forgot your password?" sends
the same kind of link to an account's address, and the same answer whether or not the address has
an account. The links themselves (hashed, expiring, once only) are ``roaming.accounts.password_links``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import func, select

from roaming.accounts import password_links
from roaming.accounts.models import PasswordLink, PasswordLinkPurpose, Role, User
from roaming.accounts.operations import create_user, find_user_by_email
from roaming.db import lock_row, session, utcnow
from roaming.i18n import DEFAULT_LANGUAGE, LANGUAGES, home_zone, moment, written_in, zone_name
from roaming.members.models import Person
from roaming.notify import Message, Recipient
from roaming.notify.operations import queue

RESEND_GAP = timedelta(minutes=5)
LINK_PATH = "/password/new/"  # + the token: the page that sets the password (members.password_pages)


def invite(person: Person) -> datetime:
    """Send ``person`` a link to set their password (their member account, without a password,
    is made first if they have none); returns when the link expires. An older link of theirs
    stops working. Refused with ``ValidationError`` when another account (a staff one) has
    their e-mail address, with ``Conflict`` when their account is deactivated. Flushes; the
    caller commits, and the e-mail goes out with the commit (``roaming.notify``). The person's
    row is held until the commit, so two invitations at once make one account, and leave the
    later link."""
    lock_row(Person, person.id)
    user = session.scalar(select(User).where(User.person_id == person.id))
    if user is None:
        user = create_user(email=person.email, name=person.name, role=Role.MEMBER, person_id=person.id)
    return _send(user, _purpose_for(user))


def invite_people_without_account() -> list[Person]:
    """Invite every person who has no account yet, nor an address of another account (after a
    member import, say); returns them."""
    has_account = select(User.id).where((User.person_id == Person.id) | (User.email == func.lower(Person.email)))
    uninvited = list(session.scalars(select(Person).where(~has_account.exists()).order_by(Person.id)))
    for person in uninvited:
        invite(person)
    return uninvited


def invite_account(user: User) -> datetime:
    """Send an existing account (a staff one, say) an invitation to set its password; returns
    when the link expires. As ``invite``."""
    return _send(user, _purpose_for(user))


def _purpose_for(user: User) -> PasswordLinkPurpose:
    """An invitation for an account without a password; for one that can log in already, the
    link sets a new password (its e-mail says so, not that an account was made)."""
    return PasswordLinkPurpose.INVITATION if user.password_hash is None else PasswordLinkPurpose.RESET


def ask_for_password_reset(address: str) -> None:
    """Send a link to set a password to the active account with this e-mail address, if there is
    one; nothing otherwise. The caller answers the same either way, so that nobody learns which
    addresses have an account. An account without a password yet gets a new invitation (its link
    lasts as long as an invitation's), one with a password a reset link. An account sent a link
    less than ``RESEND_GAP`` ago gets nothing more: asking again and again cannot flood its
    mailbox or keep ending its links."""
    user = find_user_by_email(address)
    if user is None or not user.active:
        return
    pending = session.scalar(select(PasswordLink).where(PasswordLink.user_id == user.id))
    if pending is not None and pending.created_at > utcnow() - RESEND_GAP:
        return
    _send(user, _purpose_for(user))


@dataclass(frozen=True)
class LoginState:
    """Whether a person can log in, for staff: ``account`` (they have one), ``password`` (it has
    one: they can log in), ``link_expires_at`` (an invitation or reset link works until then)."""

    account: bool = False
    password: bool = False
    link_expires_at: datetime | None = None


def login_states(people: list[Person]) -> dict[int, LoginState]:
    """The ``LoginState`` of each of ``people``, by person id."""
    ids = [person.id for person in people]
    rows = session.execute(
        select(User.person_id, User.password_hash, PasswordLink.expires_at)
        .outerjoin(PasswordLink, PasswordLink.user_id == User.id)
        .where(User.person_id.in_(ids))
    ).all()
    now = utcnow()
    states = {
        person_id: LoginState(True, password_hash is not None, expires_at if expires_at and expires_at > now else None)
        for person_id, password_hash, expires_at in rows
    }
    return {person_id: states.get(person_id, LoginState()) for person_id in ids}


def language_of(user: User) -> str:
    """The language to write to ``user`` in: their person's, else the node's default."""
    chosen = user.person.language if user.person is not None else None
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _send(user: User, purpose: PasswordLinkPurpose) -> datetime:
    link, token = password_links.issue(user, purpose)
    language = language_of(user)
    config = current_app.config
    node = config["NODE_NAME"]
    context = {
        "name": user.name,
        "node": node,
        "link": f"{config['BASE_URL'].rstrip('/')}{LINK_PATH}{token}",
        "purpose": purpose.value,
    }
    with written_in(language):
        context["expires"] = f"{moment(link.expires_at)} ({zone_name(home_zone())})"
        if purpose is PasswordLinkPurpose.INVITATION:
            subject = gettext("Your account at %(node)s: set your password", node=node)
        else:
            subject = gettext("A new password for %(node)s", node=node)
        text = render_template("mail/password_link.txt", **context)
        html = render_template("mail/password_link.html", **context)
    queue(
        Recipient(user.email, user.name, language),
        Message(kind=f"account.{purpose.value}", subject=subject, text=text, html=html, erase_when_sent=True),
    )
    return link.expires_at
