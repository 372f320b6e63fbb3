"""Receipts as stored: the signed token and the figures read from it.

A node's own book (``book = "node"``) holds the receipts it issued as host and those it received
as home; the coordinator's book (``book = "federation"``) holds the receipts that home nodes
reported. UNIQUE(book, receipt_id) makes counting a receipt twice impossible.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roaming.db import Base, UTCDateTime, utcnow, value_enum


class Book(enum.StrEnum):
    NODE = "node"  # this node's own receipts (issued or received)
    FEDERATION = "federation"  # the coordinator's: what members reported


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (UniqueConstraint("book", "receipt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[Book] = mapped_column(value_enum(Book), index=True)
    receipt_id: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(64), index=True)  # the host
    audience: Mapped[str] = mapped_column(String(64), index=True)  # the visitor's home
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(36), index=True)  # visit or event registration id
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    desk_days: Mapped[int] = mapped_column(Integer, default=0)
    services: Mapped[int] = mapped_column(Integer, default=0)
    event_seats: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
