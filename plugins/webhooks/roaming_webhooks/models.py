"""The plugin's tables (prefix ``webhooks_``): endpoints and queued deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow


class Endpoint(Base):
    __tablename__ = "webhooks_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))  # whsec_...; never logged or listed
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every event
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One event for one endpoint; ``message_id`` stays the same across retries."""

    __tablename__ = "webhooks_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhooks_endpoint.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    endpoint: Mapped[Endpoint] = relationship()
