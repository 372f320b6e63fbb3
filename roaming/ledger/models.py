"""Receipts as stored: the signed token and the figures read from it, and the receipts refused.

A node's own book (``book = "node"``) holds the receipts it issued as host and those it accepted
as home; the coordinator keeps what members reported: the receipts homes accepted
(``"federation"``) and those hosts issued (``"issued"``). UNIQUE(book, issuer, audience,
receipt_id) makes counting a receipt twice impossible; two partial unique indexes let each book
hold at most one decision (confirmed, declined or expired) and at most one terminal receipt
(declined, expired, completed or event_seat) per visit or registration, whoever writes them at
once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from federation.receipts import DECISIONS, TERMINAL
from roaming.db import Base, UTCDateTime, utcnow, value_enum


class Book(enum.StrEnum):
    NODE = "node"  # this node's own receipts (issued or accepted), and the ones it refused
    FEDERATION = "federation"  # the coordinator's: what homes reported they accepted (or refused)
    ISSUED = "issued"  # the coordinator's: what hosts reported they signed


def _kind_in(kinds: tuple[str, ...]):
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return text(f"kind IN ({listed})")


def _one_per_visit(name: str, kinds: tuple[str, ...]) -> Index:
    """At most one receipt of ``kinds`` per book and visit (or registration) between two nodes."""
    where = _kind_in(kinds)
    return Index(name, "book", "issuer", "audience", "subject", unique=True, sqlite_where=where, postgresql_where=where)


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("book", "issuer", "audience", "receipt_id", name="uq_receipt_pair"),
        _one_per_visit("uq_receipt_decision", DECISIONS),
        _one_per_visit("uq_receipt_terminal", TERMINAL),
    )

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


class ReceiptRefusal(Base):
    """A receipt its home refused: at the home (``book = "node"``) the ones it refused itself, at
    the coordinator (``"federation"``) the ones homes reported refusing. Never counted. The
    receipt's fields are as the host signed them (cut to the columns' lengths: a refused receipt
    may be malformed); ``claimed`` holds its counts as signed, ``expected`` the counts the visit
    as its home holds it gives (None when no receipt of that kind fits it)."""

    __tablename__ = "receipt_refusal"
    __table_args__ = (UniqueConstraint("book", "token_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[Book] = mapped_column(value_enum(Book), index=True)
    token_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the token, hex
    receipt_id: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(64), index=True)
    audience: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(36), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    claimed: Mapped[dict] = mapped_column(JSON, default=dict)
    expected: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
