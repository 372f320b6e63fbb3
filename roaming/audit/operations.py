"""Recording and reading the audit trail."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from roaming.audit.models import AuditEntry
from roaming.db import keep_whatever_happens, session


def audit(action: str, subject: str, **detail) -> None:
    """Record who did ``action`` to ``subject`` (in the caller's transaction); the actor is the
    logged-in user, the signing peer, or the system."""
    session.add(AuditEntry(actor=_actor(), action=action, subject=_printable(subject), detail=detail))


def audit_read(action: str, subject: str, **detail) -> None:
    """Record a staff read of personal data: kept even when the request that read it fails or is
    refused (the data was shown all the same), in a request; committed by the caller elsewhere."""
    entry = {"actor": _actor(), "action": action, "subject": _printable(subject), "detail": detail}
    session.add(AuditEntry(**entry))
    if has_request_context():
        keep_whatever_happens(lambda: AuditEntry(**entry))


def _printable(subject: str) -> str:
    """``subject`` with control characters shown as U+FFFD: it may hold an id from a URL, and NUL
    cannot be stored (PostgreSQL refuses it), which would lose the entry and fail the request."""
    return "".join("\ufffd" if ord(char) < 32 or ord(char) == 127 else char for char in subject)


def _actor() -> str:
    if has_request_context():
        peer = g.get("peer")
        if peer is not None:
            return f"peer:{peer.node_id}"
        user = g.get("current_user")
        if user is not None:
            return f"user:{user.id} {user.email}"
    return "system"


def audit_trail(subject: str | None = None, limit: int = 500) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    return list(session.scalars(query))
