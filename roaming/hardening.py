"""What a node on the internet needs around its views: trusted-proxy handling, security headers,
production cookies and rate limits.

- **Proxies.** Werkzeug's ProxyFix is applied only to requests whose direct peer is one of
  ``TRUSTED_PROXIES`` (addresses or networks): behind a TLS-terminating proxy the app then sees
  the public scheme, host and client address, so signatures over ``@target-uri`` keep verifying
  and rate limits count real clients. Anyone else's ``X-Forwarded-*`` headers are ignored.
- **Headers.** A strict Content-Security-Policy (the pages load nothing but this node's
  stylesheet; the API explorer also runs its bundled script), no framing, no sniffing, no
  referrer beyond this node, HSTS on HTTPS.
- **Cookies.** On an HTTPS base URL the session cookie is ``__Host-`` prefixed and Secure; always
  HttpOnly and SameSite=Lax.
- **Rate limits** (Flask-Limiter): failed log-ins per client address (``LOGIN_RATE_LIMIT``,
  successful ones do not count), asks for a password reset per address (every one counts, at the
  same rate, counted apart), and all federation endpoints together per address
  (``FEDERATION_RATE_LIMIT``). The counters live in ``RATELIMIT_STORAGE_URI``: ``memory://``
  counts per process; with several server processes use ``redis://...`` for one count.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from roaming.config import ConfigurationError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
API_EXPLORER_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # links carry tokens (check-in, calendar feed): never to others
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
LOGIN_ENDPOINTS = ("accounts.login", "account_pages.login", "password_pages.change_password")
PASSWORD_RESET_ENDPOINTS = ("password_pages.forgot_password",)
DATED_SEARCH_ENDPOINTS = ("search_pages.search", "search.search")  # each asks partners for quotes
FEDERATION_PREFIX = "/federation/"


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from ``networks``, untouched for everyone else."""

    def __init__(self, wsgi_app, networks: list[str], hops: int = 1):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        self.networks = [ipaddress.ip_network(network, strict=False) for network in networks]

    def __call__(self, environ, start_response):
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        return self.direct(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            client = ipaddress.ip_address(address)
        except ValueError:  # a Unix socket: only the local proxy can reach it
            return True
        return any(client in network for network in self.networks)


def init_app(app: Flask) -> None:
    """Install all of the above; call after the blueprints are registered."""
    config = app.config
    if config["TRUSTED_PROXIES"]:
        try:
            app.wsgi_app = TrustedProxyFix(app.wsgi_app, list(config["TRUSTED_PROXIES"]), int(config["PROXY_HOPS"]))
        except ValueError as error:
            raise ConfigurationError(f"trusted_proxies: {error}") from None
    app.after_request(_security_headers)
    _limit_rates(app)


def production_cookies(app: Flask) -> None:
    """Session cookie settings from the base URL's scheme (runs before the app serves)."""
    https = str(app.config["BASE_URL"]).startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or https
    app.config["SESSION_COOKIE_NAME"] = "__Host-roaming_session" if https else "roaming_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    explorer = request.path.startswith("/api/docs")
    response.headers.setdefault("Content-Security-Policy", API_EXPLORER_POLICY if explorer else CONTENT_SECURITY_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


PERSON_KEY = "roaming.rate_limit_person"
"""``app.extensions`` key of a function returning who the request is (the logged-in account's key)
or None; the accounts part sets it, so that a per-person limit need not know about accounts."""


def _user_or_address() -> str:
    """Who a per-person limit counts: the logged-in account, else the client's address."""
    from flask_limiter.util import get_remote_address

    who = current_app.extensions.get(PERSON_KEY)
    person = who() if who is not None else None
    return f"person:{person}" if person is not None else get_remote_address()


def _limit_rates(app: Flask) -> None:
    from flask_limiter import Limiter  # imported here: a base app (roaming.base_app) has no rate limits
    from flask_limiter.util import get_remote_address

    config = app.config
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=config["RATELIMIT_STORAGE_URI"],
        application_limits=[config["FEDERATION_RATE_LIMIT"]],
        application_limits_exempt_when=lambda: not request.path.startswith(FEDERATION_PREFIX),
        headers_enabled=True,
        enabled=bool(config["RATELIMIT_ENABLED"]),
    )
    failed_login = limiter.shared_limit(
        config["LOGIN_RATE_LIMIT"],
        scope="login",
        methods=["POST"],
        deduct_when=lambda response: response.status_code >= 400,
        error_message="Too many failed log-ins from this address; wait a few minutes and try again.",
    )
    reset_asked = limiter.shared_limit(
        config["LOGIN_RATE_LIMIT"],
        scope="password-reset",
        methods=["POST"],
        error_message="Too many password resets asked for from this address; wait a few minutes and try again.",
    )
    dated_search = limiter.shared_limit(
        config["DATED_SEARCH_RATE_LIMIT"],
        scope="dated-search",
        key_func=_user_or_address,
        exempt_when=lambda: not request.args.get("first_day"),
        error_message="Too many searches with dates; each asks the partners. Wait a minute and try again.",
    )
    limits = {endpoint: failed_login for endpoint in LOGIN_ENDPOINTS}
    limits.update({endpoint: reset_asked for endpoint in PASSWORD_RESET_ENDPOINTS})
    limits.update({endpoint: dated_search for endpoint in DATED_SEARCH_ENDPOINTS})
    for endpoint, limit in limits.items():
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions["roaming.limiter"] = limiter
