"""Accounts and tokens: creation, password checks, token issue and lookup."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from flask import Flask, current_app, has_app_context
from marshmallow import ValidationError
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from roaming.accounts import sessions
from roaming.accounts.models import ApiToken, PasswordLink, Role, TokenScope, User
from roaming.db import session, utcnow
from roaming.errors import Conflict, NotFound, Unauthorized

TOKEN_PREFIX = "rmg_"
TOUCH_INTERVAL = timedelta(minutes=5)  # how stale a token's last_used_at may get
# werkzeug's scrypt with its parameters named (N=32768, r=8, p=1), as a stored hash names its method
PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
TESTING_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # one round: only for an app in testing mode


def hash_password(password: str) -> str:
    """The password hashed with a random salt: scrypt, or, in an app in testing mode only, one
    round of PBKDF2-SHA256 (see ``password_hash_method``). The stored hash names its method, so
    ``check_password_hash`` verifies hashes of either kind."""
    return generate_password_hash(password, method=password_hash_method())


def password_hash_method() -> str:
    """scrypt, always, except in an app context whose app is in testing mode (Flask's ``TESTING``:
    the test suite's apps, and node processes it starts with ``ROAMING_TESTING=true``), where
    hashing every test account with scrypt would cost most of the suite's time.

    Nothing else chooses the cheap method: no setting names it, outside an app context it is
    scrypt, and a node that serves in testing mode says so in its log (``warn_of_testing_mode``).
    ``testing`` is not a setting for a node that holds real accounts."""
    if has_app_context() and current_app.testing:
        return TESTING_PASSWORD_HASH_METHOD
    return PASSWORD_HASH_METHOD


def testing_mode_warning() -> str:
    """What testing mode means for passwords, in one sentence for an operator (log or terminal)."""
    return (
        f"Testing mode (setting testing, ROAMING_TESTING): passwords are hashed with "
        f"{TESTING_PASSWORD_HASH_METHOD}, not {PASSWORD_HASH_METHOD}. Never run a node with real accounts like this."
    )


def warn_of_testing_mode(app: Flask) -> None:
    """Log a warning when ``app`` is in testing mode (cheap password hashes): called where a node
    starts serving or working, so that the mode never goes unnoticed in a real node's log. (The
    command line also says so on stderr, whatever the log level: ``roaming.cli``.)"""
    if app.testing:
        app.logger.warning("%s", testing_mode_warning())


def prepare_for_logins(app: Flask) -> None:
    """Make the hash that a log-in with an unknown e-mail is checked against (by ``app``'s
    method), so that the first such log-in costs no more than any other. Called where a node
    starts serving (``roaming run``, ``roaming.wsgi``); until then the hash is made on first use."""
    with app.app_context():
        _unknown_account_hash(password_hash_method())


@cache
def _unknown_account_hash(method: str) -> str:
    """A hash of a random password by ``method``, made once per process and method (not at import:
    scrypt takes a noticeable time; ``prepare_for_logins`` makes it at start-up). Checked when no
    account matches, so that a wrong e-mail costs as long as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def find_user_by_email(address: str) -> User | None:
    return session.scalar(select(User).where(User.email == address.strip().lower()))


def get_user(user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No account with id {user_id}.")
    return user


def list_users() -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    person_id: int | None = None,
    active: bool = True,
) -> User:
    """Create an account. A member account must name its person, who may have only one login."""
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise ValidationError(f"An account for {email} exists already.", "email")
    role = Role(role)
    if role is Role.MEMBER:
        _check_person_for_login(person_id)
    elif person_id is not None:
        raise ValidationError("Only member accounts are linked to a person.", "person_id")
    user = User(
        email=email,
        name=name,
        role=role,
        person_id=person_id,
        active=active,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def update_user(user: User, changes: dict) -> User:
    """Change name, role, active flag or password. A new password or deactivation ends the
    account's browser sessions; a new password also revokes its API tokens, except those made to
    keep (``keep_on_password_change``), and ends its link to set a password, if it has one
    (``roaming.accounts.password_links``)."""
    if "role" in changes and Role(changes["role"]) is Role.MEMBER and user.person_id is None:
        raise ValidationError("A member account must be linked to a person.", "role")
    if "role" in changes and Role(changes["role"]).is_staff and user.person_id is not None:
        raise ValidationError("A person's account cannot become a staff account.", "role")
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
        _end_tokens_at_password_change(user)
        session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    if changes.get("password") or changes.get("active") is False:
        sessions.end_all(user)
    session.flush()
    return user


def change_own_account(user: User, changes: dict) -> User:
    """A user changes their own name or password; a new password needs the current one."""
    if changes.get("new_password"):
        current = changes.get("current_password") or ""
        if not user.password_hash or not check_password_hash(user.password_hash, current):
            raise ValidationError("The current password is wrong.", "current_password")
    return update_user(user, {"name": changes.get("name", user.name), "password": changes.get("new_password")})


def delete_user(user: User) -> None:
    session.delete(user)
    session.flush()


def authenticate(email: str, password: str) -> User:
    """The active account with this e-mail and password, else ``Unauthorized`` (same message).
    Changes nothing: the log-in is recorded, and an outdated hash replaced, by ``record_login``."""
    user = find_user_by_email(email)
    stored = user.password_hash if user and user.password_hash else _unknown_account_hash(password_hash_method())
    valid = check_password_hash(stored, password)
    if not (user and user.password_hash and user.active and valid):
        raise Unauthorized("Wrong e-mail or password.")
    return user


def record_login(user: User, password: str | None = None) -> None:
    """Note the log-in's time, with whatever else the log-in's transaction holds (its browser
    session), and commit; ``password``: the one ``authenticate`` checked (None for single sign-on).

    Exclusive with a new password or a deactivation at the same moment: one UPDATE of the
    account's row that holds only while it is active and, after a password log-in, its hash is
    still the one the password was checked against. It holds the row until the commit, so a change
    either waits and then ends this session too, or comes first and the log-in is refused
    (``Unauthorized``, as for a wrong password), nothing of it kept. A hash that another log-in
    replaced meanwhile (below) is checked against the password again.

    A stored hash made by another method than ``PASSWORD_HASH_METHOD`` (a cheap one made in testing
    mode, or older parameters) is replaced in the same UPDATE by a fresh hash of the password. An
    app in testing mode replaces no hash: a log-in never weakens one."""
    checked, now = user.password_hash, utcnow()
    values: dict = {"last_login_at": now}
    if password is not None and checked and _outdated(checked):
        values["password_hash"] = hash_password(password)
    while not _update_if_unchanged(user, checked if password is not None else None, values):
        stored = session.scalar(select(User.password_hash).where(User.id == user.id, User.active.is_(True)))
        if password is None or not stored or stored == checked or not check_password_hash(stored, password):
            session.rollback()
            raise Unauthorized("Wrong e-mail or password.")
        checked = stored  # a log-in at the same time replaced the hash: this password still matches it
        values.pop("password_hash", None)
    session.flush()
    for name, value in values.items():
        set_committed_value(user, name, value)


def _update_if_unchanged(user: User, password_hash: str | None, values: dict) -> bool:
    """``values`` written to the active ``user``'s row if its hash is still ``password_hash`` (any
    hash when None); whether it was."""
    still = [User.id == user.id, User.active.is_(True)]
    if password_hash is not None:
        still.append(User.password_hash == password_hash)
    result = session.execute(update(User).where(*still).values(**values).execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount == 1


def issue_token(
    user: User,
    name: str,
    days: int | None = None,
    *,
    scope: TokenScope = TokenScope.WRITE,
    keep_on_password_change: bool = False,
    made_with: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid ``days`` days (default ``API_TOKEN_DEFAULT_DAYS``); returns
    the row and the token, shown once.

    ``made_with``: the token of the request that asks for it. The new token then cannot outlive
    it (asking for more days is refused naming ``days``; the default is cut to its end), cannot
    survive a password change it would not survive (``keep_on_password_change``), and ends when it
    is revoked. (It cannot read-only make a write token either: a read token may not ask at all.)
    ``made_with`` is held with a version-checked UPDATE until the commit, so a revocation at the
    same time either comes first (409, nothing made) or waits and ends the new token too."""
    now = utcnow()
    expires_at = now + timedelta(days=days or current_app.config["API_TOKEN_DEFAULT_DAYS"])
    if made_with is not None:
        _check_narrower(made_with, days, expires_at, keep_on_password_change)
        if made_with.expires_at is not None:
            expires_at = min(expires_at, made_with.expires_at)
        _hold_unrevoked(made_with)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=_digest(plaintext),
        prefix=plaintext[:10],
        created_at=now,
        expires_at=expires_at,
        scope=TokenScope(scope),
        keep_on_password_change=keep_on_password_change,
        parent_id=made_with.id if made_with is not None else None,
    )
    session.add(token)
    session.flush()
    return token, plaintext


def _check_narrower(parent: ApiToken, days: int | None, expires_at: datetime, keep: bool) -> None:
    if days and parent.expires_at is not None and expires_at > parent.expires_at:
        raise ValidationError(
            f"A token made with an API token cannot outlive it: that one expires at "
            f"{parent.expires_at:%Y-%m-%d %H:%M} UTC. Ask for fewer days, or none to end with it.",
            "days",
        )
    if keep and not parent.keep_on_password_change:
        raise ValidationError(
            "A token made with an API token that ends at a password change must end at one too.",
            "keep_on_password_change",
        )


def _hold_unrevoked(token: ApiToken) -> None:
    """Lock ``token``'s row until the commit if it is still unrevoked (a no-op UPDATE that checks
    the state it changes from), else 409 naming when it was revoked."""
    held = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=ApiToken.revoked_at)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, held).rowcount != 1:  # an UPDATE's result counts its rows
        session.rollback()
        revoked_at = session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token.id))
        raise Conflict(f"The API token making this one was revoked at {revoked_at:%Y-%m-%d %H:%M:%S} UTC.")


def token_for(plaintext: str) -> ApiToken | None:
    """The valid (unrevoked, unexpired) token of an active user, else None. Commits when it notes
    the token's use: it runs before the view, which may wait on another node with nothing held."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    now = utcnow()
    if token is None or token.revoked_at is not None or _expired(token.expires_at, now):
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
        session.commit()
    return token


def _end_tokens_at_password_change(user: User) -> None:
    """Revoke ``user``'s tokens not made to survive a new password, in one UPDATE (the tokens made
    with them are among them: a token made with another ends at a password change if it does)."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.keep_on_password_change.is_(False),
        )
        .values(revoked_at=utcnow())
    )


def list_tokens(user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def get_token(token_id: int, *, owner: User | None = None) -> ApiToken:
    """A token by id; with ``owner``, only one of theirs (others look absent)."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound(f"No API token with id {token_id}.")
    return token


def revoke_token(token: ApiToken) -> None:
    """Revoke ``token`` and every token made with it, and with those, and so on (revoking a
    revoked token again changes nothing). Each level is one UPDATE of the unrevoked ones; a token
    being made with one of them meanwhile holds its parent's row (``issue_token``), so the UPDATE
    of that parent waits for it and the next level's query finds the new token."""
    now = utcnow()
    level = [token.id]
    while level:
        session.execute(
            update(ApiToken).where(ApiToken.id.in_(level), ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        level = list(session.scalars(select(ApiToken.id).where(ApiToken.parent_id.in_(level))))
    session.flush()


def _check_person_for_login(person_id: int | None) -> None:
    if person_id is None:
        raise ValidationError("A member account must name its person (person_id).", "person_id")
    if session.get(User.person.property.mapper.class_, person_id) is None:  # the Person model, from above
        raise ValidationError(f"No person with id {person_id}.", "person_id")
    if session.scalar(select(User).where(User.person_id == person_id)) is not None:
        raise ValidationError(f"Person {person_id} has an account already.", "person_id")


def _outdated(stored: str) -> bool:
    """Whether ``stored`` (werkzeug's ``method$salt$hash``) is to be replaced at a log-in: made by
    another method than ``PASSWORD_HASH_METHOD``, while the app uses that method."""
    method = stored.split("$", 1)[0]
    return password_hash_method() == PASSWORD_HASH_METHOD and method != PASSWORD_HASH_METHOD


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now
