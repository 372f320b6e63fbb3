"""Errors that operations raise, and the JSON shape every error response takes.

Operations raise ``DomainError`` subclasses or marshmallow ``ValidationError``; they know nothing
of HTTP. The handlers here turn them, and every werkzeug HTTP error, into
``{"code", "status", "message", "errors"}``. Unexpected exceptions become a JSON 500 that says
nothing of the internals (the traceback goes to the log only).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _domain_error(error: DomainError):
    return error_body(error.status, error.message), error.status


def _validation_error(error: ValidationError):
    messages = error.normalized_messages()
    return error_body(422, "The data is not valid; see errors.", {"json": messages}), 422


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
    return error_body(error.code, message, errors), error.code, headers


def init_app(app: Flask) -> None:
    """Register after flask-smorest's Api so these handlers win."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
