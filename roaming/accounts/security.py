"""Who is asking: the current user from an API token or the browser session, role checks, CSRF.

A request with an ``Authorization`` header is judged by that header alone: a bad token is a 401,
never a silent fall-back to the session cookie, and a read token is refused (403) on any request
that is not a GET, HEAD or OPTIONS. A browser session's cookie carries the id of a
session held on the server (``roaming.accounts.sessions``), which log-out ends for good. Browser
sessions carry a CSRF token that every unsafe request authenticated by the session must echo
(``X-CSRF-Token`` header or ``csrf_token`` form field).
"""

from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import Flask, abort, g, redirect, request, url_for
from flask import session as browser_session
from flask_smorest import Blueprint as ApiBlueprint

from roaming.accounts import operations, sessions
from roaming.accounts.models import ApiToken, Role, TokenScope, User
from roaming.api import SECURITY
from roaming.db import session
from roaming.errors import Forbidden, Unauthorized
from roaming.schemas import ErrorSchema

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()
STAFF = (Role.ADMIN, Role.HOST_STAFF)
SESSION_ID = "sid"  # the key of the session id in the session cookie


def current_user() -> User | None:
    """The authenticated user of this request, or None; raises 401 for a bad bearer token."""
    cached = g.get("current_user", _UNSET)
    if cached is not _UNSET:
        return cached
    user = _user_from_header() if "Authorization" in request.headers else _user_from_session()
    g.current_user = user
    return user


def current_user_key() -> str | None:
    """The logged-in account's id as text, or None (for per-person rate limits)."""
    user = current_user()
    return str(user.id) if user is not None else None


def current_token() -> ApiToken | None:
    """The API token this request is authenticated by, or None (a browser session, or nobody)."""
    current_user()
    return g.get("api_token")


def _user_from_header() -> User:
    """The user of the request's bearer token: 401 for a bad one, 403 for a read token on a
    request that is not a GET, HEAD or OPTIONS (every view that acts for a user asks here first,
    so a read token changes nothing)."""
    scheme, _, plaintext = request.headers["Authorization"].partition(" ")
    if scheme.lower() != "bearer" or not plaintext.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <API token>'.")
    token = operations.token_for(plaintext.strip())
    if token is None:
        raise Unauthorized("The API token is invalid, expired or revoked.")
    if token.scope is TokenScope.READ and request.method not in SAFE_METHODS:
        raise Forbidden("This API token may only read (scope read): it cannot change anything.")
    g.api_token = token
    return token.user


def _user_from_session() -> User | None:
    session_id = browser_session.get(SESSION_ID)
    if session_id is None:
        return None
    user = sessions.user_of(session_id)
    if user is None:  # ended: logged out elsewhere, a new password, deactivated, or expired
        browser_session.clear()
    return user


def login_browser_session(user: User, password: str | None = None) -> None:
    """Start a fresh session (no fixation) for ``user``, with a new CSRF token, and record the
    log-in (``password``: the one just checked; see ``operations.record_login``). Refused there
    (the password changed meanwhile), this browser is left logged out."""
    _start_browser_session(user, secrets.token_urlsafe(32))
    try:
        operations.record_login(user, password)
    except Unauthorized:
        browser_session.clear()
        g.current_user = None
        raise


def renew_browser_session(user: User) -> None:
    """After a change that ended all of ``user``'s sessions (a new password) was made in a browser
    session, give that browser a new one (same CSRF token) and commit; a request authenticated
    otherwise (an API token) is left as it is."""
    if "Authorization" in request.headers or not has_browser_session():
        return
    _start_browser_session(user, csrf_token())
    session.flush()


def _start_browser_session(user: User, csrf: str) -> None:
    browser_session.clear()
    browser_session.permanent = True
    browser_session[SESSION_ID] = sessions.start(user)
    browser_session["csrf"] = csrf
    g.current_user = user


def logout_browser_session() -> None:
    """End this browser's session on the server (a copy of its cookie is then worthless too)."""
    session_id = browser_session.get(SESSION_ID)
    if session_id is not None:
        sessions.end(session_id)
        session.flush()
    browser_session.clear()
    g.current_user = None


def has_browser_session() -> bool:
    """Whether this request carries a logged-in browser session's cookie (valid or not)."""
    return browser_session.get(SESSION_ID) is not None


def csrf_token() -> str:
    """This browser session's CSRF token (created on first use)."""
    if "csrf" not in browser_session:
        browser_session["csrf"] = secrets.token_urlsafe(32)
    return browser_session["csrf"]


def csrf_valid() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = browser_session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(sent, expected)


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or "Authorization" in request.headers:
        return
    if has_browser_session() and not csrf_valid():
        raise Forbidden("CSRF token missing or wrong: send the session's X-CSRF-Token header.")


def require(*roles: Role):
    """Decorator: the caller must be logged in and, when ``roles`` are given, hold one of them."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                raise Unauthorized("Log in, or send an API token (Authorization: Bearer ...).")
            if roles and user.role not in roles:
                raise Forbidden("Your account is not allowed to do this.")
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # read by the authorisation tests and the API docs
        return wrapper

    return decorator


def require_page(*roles: Role):
    """Decorator for pages: a visitor who is not logged in is sent to the login page (and back);
    a logged-in user without one of ``roles`` gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("account_pages.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


def init_app(app: Flask) -> None:
    app.before_request(_check_csrf)


def secured(blp: ApiBlueprint, *roles):
    """Decorator for a view: only logged-in callers (holding one of ``roles``, if given)."""

    def decorator(view):
        view = blp.alt_response(401, schema=ErrorSchema, description="Not logged in")(view)
        if roles:
            allowed = ", ".join(role.value for role in roles)
            view = blp.alt_response(403, schema=ErrorSchema, description=f"Only for: {allowed}")(view)
        view = blp.doc(security=SECURITY)(view)
        return require(*roles)(view)

    return decorator
