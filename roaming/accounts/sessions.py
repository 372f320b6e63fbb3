"""Browser sessions held on the server, so that they end when they are ended.

The session cookie (signed by Flask) carries a random session id; the database holds its SHA-256
with the account and the end of its lifetime (``PERMANENT_SESSION_LIFETIME`` from the log-in).
Every request with the cookie looks the row up, so log-out, a new password or a deactivation
ends the session for every process serving the node at once, and a copy of the cookie is then
worthless. A database read does not yield usable session ids.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select

from roaming.accounts.models import BrowserSession, User
from roaming.db import session, utcnow


def start(user: User) -> str:
    """A new session of ``user``; returns its id for the cookie (not stored). Sessions of any
    account that have ended are cleared away at the same time. The caller commits."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))
    expires_at = now + current_app.permanent_session_lifetime
    session.add(BrowserSession(id=_digest(session_id), user_id=user.id, created_at=now, expires_at=expires_at))
    return session_id


def user_of(session_id: str) -> User | None:
    """The active account whose unexpired session this is, else None."""
    user = session.scalar(
        select(User)
        .join(BrowserSession, BrowserSession.user_id == User.id)
        .where(BrowserSession.id == _digest(session_id), BrowserSession.expires_at > utcnow())
    )
    return user if user is not None and user.active else None


def end(session_id: str) -> None:
    """End this session (nothing happens when it has ended already). The caller commits."""
    session.execute(delete(BrowserSession).where(BrowserSession.id == _digest(session_id)))


def end_all(user: User) -> None:
    """End every session of ``user``, in every browser. The caller commits."""
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user.id))


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
