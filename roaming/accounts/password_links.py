"""One-time links to set an account's password: invitations and password resets.

A link carries a random token; the database keeps only its SHA-256 (``PasswordLink``), so neither
a copy of the database nor a log holds a usable link. An account has at most one link: a new one
replaces the older (``issue``). Redeeming deletes the row in the same transaction that sets the
password, so of two redemptions at once exactly one wins; the other is refused and changes
nothing (``redeem``). Any new password of the account ends its link (``operations.update_user``).
Sending the link is above this layer (``roaming.members.onboarding``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import CursorResult, delete, select, update

from roaming.accounts import operations
from roaming.accounts.models import PasswordLink, PasswordLinkPurpose, User
from roaming.accounts.schemas import MIN_PASSWORD_LENGTH
from roaming.db import session, utcnow
from roaming.errors import Conflict, DomainError

MAX_PASSWORD_LENGTH = 200


class LinkGone(DomainError):
    """The link is unknown, used, expired or replaced, or its account is deactivated: one answer
    for all, so that the answer tells nothing about the account (404, as any capability link
    whose token is not, or no longer, one)."""

    status = 404

    def __init__(self):
        super().__init__(
            str(
                _l(
                    "This link does not work any more: it was used already, it expired, or a newer one "
                    "replaced it. Ask for a new one."
                )
            )
        )


def lifetime(purpose: PasswordLinkPurpose) -> timedelta:
    """How long a new link of ``purpose`` works (settings ``invitation_days``,
    ``password_reset_hours``)."""
    config = current_app.config
    if purpose is PasswordLinkPurpose.INVITATION:
        return timedelta(days=config["INVITATION_DAYS"])
    return timedelta(hours=config["PASSWORD_RESET_HOURS"])


def issue(user: User, purpose: PasswordLinkPurpose) -> tuple[PasswordLink, str]:
    """A new link for the active ``user``, replacing any older one; returns the row and the
    token (for the e-mail only: it is not stored, and never logged). The account's row is held
    until the commit, so two issues at once for one account leave one link, the later one.
    A deactivated account gets none (409)."""
    held = session.execute(
        update(User)
        .where(User.id == user.id, User.active.is_(True))
        .values(active=User.active)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, held).rowcount != 1:
        raise Conflict(str(_l("The account %(email)s is deactivated; activate it first.", email=user.email)))
    session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = PasswordLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + lifetime(purpose),
    )
    session.add(link)
    session.flush()
    return link, token


def usable_link(token: str) -> PasswordLink:
    """The link of ``token`` while it works (unexpired, its account active), else ``LinkGone``."""
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _digest(token)))
    if link is None or _expired(link.expires_at) or not link.user.active:
        raise LinkGone()
    return link


def redeem(token: str, password: str) -> User:
    """Set the password of the link's account and end the link, in the caller's transaction;
    returns the account. Like any new password, it ends the account's browser sessions and the
    API tokens not made to keep. The link's row is deleted by one DELETE that only one
    transaction can make: a redemption at the same moment gets ``LinkGone`` and nothing of it
    is kept. A password of the wrong length is refused naming ``password``, the link kept."""
    check_password(password)
    link = usable_link(token)
    taken = session.execute(
        delete(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.token_hash == link.token_hash)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, taken).rowcount != 1:
        session.rollback()
        raise LinkGone()
    return operations.update_user(link.user, {"password": password})


def check_password(password: str, field: str = "password") -> None:
    """Refuse (naming ``field``) a password shorter or longer than the node accepts."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationError(
            str(_l("Use %(low)d to %(high)d characters.", low=MIN_PASSWORD_LENGTH, high=MAX_PASSWORD_LENGTH)),
            field,
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired(expires_at: datetime) -> bool:
    return expires_at <= utcnow()
