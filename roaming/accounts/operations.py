"""Accounts and tokens: creation, password checks, token issue and lookup."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import Flask, current_app, has_app_context
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from roaming.accounts import sessions
from roaming.accounts.models import ApiToken, Role, User
from roaming.db import session, utcnow
from roaming.errors import NotFound, Unauthorized
from roaming.members.models import Person

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
    session.commit()
    return user


def update_user(user: User, changes: dict) -> User:
    """Change name, role, active flag or password; a new password or deactivation ends sessions."""
    if "role" in changes and Role(changes["role"]) is Role.MEMBER and user.person_id is None:
        raise ValidationError("A member account must be linked to a person.", "role")
    if "role" in changes and Role(changes["role"]).is_staff and user.person_id is not None:
        raise ValidationError("A person's account cannot become a staff account.", "role")
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
    if changes.get("password") or changes.get("active") is False:
        sessions.end_all(user)
    session.commit()
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
    session.commit()


def authenticate(email: str, password: str) -> User:
    """The active account with this e-mail and password, else ``Unauthorized`` (same message).

    A stored hash made by another method than ``PASSWORD_HASH_METHOD`` (a cheap one made in
    testing mode, or older parameters) is replaced by a fresh hash of the password: the change is
    left in the session, and the log-in's commit (``record_login``) stores it with the log-in time,
    in one plain UPDATE of the row (concurrent log-ins each write a valid hash of the same
    password; the last one stays). An app in testing mode replaces no hash: a log-in never
    weakens one."""
    user = find_user_by_email(email)
    stored = user.password_hash if user and user.password_hash else _unknown_account_hash(password_hash_method())
    valid = check_password_hash(stored, password)
    if not (user and user.password_hash and user.active and valid):
        raise Unauthorized("Wrong e-mail or password.")
    if _outdated(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User) -> None:
    """Note the log-in's time and commit, with whatever ``authenticate`` changed (a re-hash)."""
    user.last_login_at = utcnow()
    session.commit()


def issue_token(user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for ``user`` valid ``days`` days; returns the row and the token, shown once."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=_digest(plaintext),
        prefix=plaintext[:10],
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.commit()
    return token, plaintext


def user_for_token(plaintext: str) -> User | None:
    """The active user a valid (unrevoked, unexpired) token belongs to, else None."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    now = utcnow()
    if token is None or token.revoked_at is not None or _expired(token.expires_at, now):
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
        session.commit()
    return token.user


def list_tokens(user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def get_token(token_id: int, *, owner: User | None = None) -> ApiToken:
    """A token by id; with ``owner``, only one of theirs (others look absent)."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound(f"No API token with id {token_id}.")
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()


def _check_person_for_login(person_id: int | None) -> None:
    if person_id is None:
        raise ValidationError("A member account must name its person (person_id).", "person_id")
    if session.get(Person, person_id) is None:
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
