"""The audit trail: one row per access to or change of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from roaming.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(300))  # "user:<id> <email>", "peer:<node id>", "system"
    action: Mapped[str] = mapped_column(String(50), index=True)  # e.g. "person.read", "visit.approve"
    subject: Mapped[str] = mapped_column(String(100), index=True)  # e.g. "person:12", "visit:<uid>"
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
