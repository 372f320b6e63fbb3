"""Structured logs: one line per event, as text for people or as JSON for a log collector
(``LOG_FORMAT``), each carrying the id of the request (or worker job) it belongs to.

A request's id comes from its ``X-Request-Id`` header when that is a plain token (a proxy's or a
peer's id), else it is new; it is sent back in the answer and with every federation message the
request causes, so one id follows a visit request from the member's click to the host's log.
The access line names the route pattern (``/checkin/<token>``), never the path or query, so that
tokens in links do not reach the logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"
PLAIN_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d [%(request_id)s] %(message)s"
STANDARD_RECORD_FIELDS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}

_request_id: ContextVar[str | None] = ContextVar("roaming_request_id", default=None)
access_log = logging.getLogger("roaming.access")


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_id(value: str | None) -> Iterator[str]:
    """Log under ``value`` (a new id if None) inside the block, as a worker does per message."""
    value = value or new_request_id()
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in STANDARD_RECORD_FIELDS})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _RoamingHandler(logging.StreamHandler):
    """The handler this module installs (recognised so that configuring twice replaces it)."""


def configure(level: str = "INFO", log_format: str = "text") -> None:
    """Send log lines to standard error in ``log_format`` from ``level`` up (idempotent). Called
    by the processes' entry points (``roaming run``, ``roaming worker``, the WSGI module), not by
    the app factory, so that embedding the app leaves the host's logging alone. The app factory
    has refused an unknown ``log_format`` already."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _RoamingHandler)]:
        root.removeHandler(handler)
    handler = _RoamingHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(str(level).upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the access line below replaces its own
    logging.getLogger("alembic").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Give every request an id (sent back as ``X-Request-Id``) and log one access line per request."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _start() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if PLAIN_REQUEST_ID.match(offered) else new_request_id()
    g.request_id_token = _request_id.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    if "request_id" not in g:
        return response
    response.headers[REQUEST_ID_HEADER] = g.request_id
    route = request.url_rule.rule if request.url_rule else "(no route)"
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    access_log.info(
        "%s %s %s %.1f ms",
        request.method,
        route,
        response.status_code,
        duration_ms,
        extra={"method": request.method, "route": route, "status": response.status_code, "duration_ms": duration_ms},
    )
    return response


def _forget(_exc) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        _request_id.reset(token)
