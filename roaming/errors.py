"""Errors that operations raise, and the JSON shape every error response takes.

Operations raise ``DomainError`` subclasses or marshmallow ``ValidationError``; they know nothing
of HTTP. The handlers here turn them, and every werkzeug HTTP error, into
``{"code", "status", "message", "errors"}``. Unexpected exceptions become a JSON 500 that says
nothing of the internals (the traceback goes to the log only).

Pages for people, JSON for programs: a browser that prefers HTML to JSON gets, instead of the
JSON, the page the app registered under ``ERROR_PAGE`` (``roaming.error_pages``), with the same
status and headers. The programs' paths (``MACHINE_PATHS``: the API, the federation's endpoints,
the node's published keys and metadata, health and metrics) always answer JSON, whatever the
client accepts.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter

from roaming.db import MAX_ID, session


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status it maps to."""

    status = 400
    errors: dict | None = None  # per-location, per-field details, as in validation errors

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        note_refusal()


def note_refusal() -> None:
    """Mark the current request as refused: what it wrote is not committed, even when a page
    catches the refusal and answers with a success or a redirect (``roaming.db.commit_each_request``)."""
    if has_request_context():
        g.refused = True


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


def error_body(status: int, message: str | None = None, errors: dict | None = None) -> dict:
    body: dict = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error")}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body


ERROR_PAGE = "roaming.error_page"
"""``app.extensions`` key of the function ``(status, headers) -> Response`` making error pages."""
ErrorPage = Callable[[int, dict], Response]

MACHINE_PATHS = ("/api/", "/federation/", "/.well-known/", "/healthz", "/readyz", "/metrics")
"""Path prefixes only programs call: their errors are JSON whatever the client accepts."""


def _answer(status: int, body: dict, headers: dict | None = None):
    """The error's JSON ``body``; or the app's error page when the path is not a program's
    (``MACHINE_PATHS``, or ``/api`` itself) and the client ranks HTML above JSON (a browser; a
    client naming neither, or both alike, gets JSON)."""
    headers = dict(headers or {})
    page: ErrorPage | None = current_app.extensions.get(ERROR_PAGE)
    if page is None or request.path == "/api" or request.path.startswith(MACHINE_PATHS):
        return body, status, headers
    headers["Vary"] = "Accept"
    accepted = request.accept_mimetypes
    return page(status, headers) if accepted["text/html"] > accepted["application/json"] else (body, status, headers)


def _domain_error(error: DomainError):
    return _answer(error.status, error_body(error.status, error.message, error.errors))


def _validation_error(error: ValidationError):
    messages = error.normalized_messages()
    return _answer(422, error_body(422, "The data is not valid; see errors.", {"json": messages}))


def _http_error(error: HTTPException):
    if isinstance(error, InternalServerError) and error.original_exception is not None:
        current_app.logger.error(
            "Unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception
        )
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    message = data.get("message") or (error.description if error.code != 500 else "Internal error.")
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    status = error.code or 500
    return _answer(status, error_body(status, message, errors), headers)


def _integrity_error(error: IntegrityError):
    """A uniqueness or reference race the operations' own checks could not see coming."""
    session.rollback()
    current_app.logger.warning("Integrity error on %s %s: %s", request.method, request.path, error.orig)
    return _answer(409, error_body(409, "The change conflicts with data saved meanwhile; reload and try again."))


DATABASE_RETRY_AFTER_SECONDS = 5
_SQLSTATE_DISK_FULL = "53100"
_SQLSTATE_LOCK_NOT_AVAILABLE = "55P03"


def _cause(error: Exception) -> str:
    """The driver's own first line: a database error's text also holds the SQL and its
    parameters (personal data), which must not reach the log."""
    return str(getattr(error, "orig", error)).strip().splitlines()[0][:200]


def _database_unavailable(error: OperationalError):
    """The database is locked, full or unreachable: nothing of the request was saved (its
    transaction is rolled back), so the client may retry; the admin reads the cause in the log."""
    session.rollback()
    cause = _cause(error)
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == _SQLSTATE_DISK_FULL or "database or disk is full" in cause:
        kind, message = (
            "full",
            "The node's database has no space left; nothing was saved. Its administrators see why in the log.",
        )
    elif sqlstate == _SQLSTATE_LOCK_NOT_AVAILABLE or "database is locked" in cause:
        kind, message = "busy", "The node's database is busy; nothing was saved. Please try again in a moment."
    else:
        kind, message = "unavailable", "The node's database cannot be used right now; nothing was saved."
    current_app.logger.error("Database %s on %s %s: %s", kind, request.method, request.url_rule or "-", cause)
    return _answer(503, error_body(503, message), {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def _out_of_range(error: Exception):
    """A number no schema bounded (a page far beyond the last) that the database cannot hold."""
    session.rollback()
    current_app.logger.info("Out-of-range value on %s %s: %s", request.method, request.url_rule or "-", _cause(error))
    return _answer(422, error_body(422, "A number in the request is too large."))


def _too_deep(_error: RecursionError):
    return _answer(400, error_body(400, "The JSON document is nested too deeply."))


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, bounded so that a huge id is a 404, not a database overflow."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, **{"max": MAX_ID, **kwargs})


def install_id_converter(app: Flask) -> None:
    """Must run before any URL rule is added."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    """Register after flask-smorest's Api so these handlers win."""
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
