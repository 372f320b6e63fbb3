"""Surveys (home side: sent to our members) and outcomes (their answers as shared: the host's
copy, and the coordinator's for the federation's connection data and case studies)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum
from roaming.ledger.models import Book
from roaming.visits.models import Visit


class Stage(enum.StrEnum):
    FIRST = "first"  # some days after the visit
    SECOND = "second"  # months later


class ValueBand(enum.StrEnum):
    NONE = "none"
    UNDER_10K = "under_10k"
    FROM_10K_TO_100K = "10k_to_100k"
    OVER_100K = "over_100k"


class Survey(Base):
    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("visit_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the personal link
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    stage: Mapped[Stage] = mapped_column(value_enum(Stage))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[dict | None] = mapped_column(JSON)

    visit: Mapped[Visit] = relationship()


class Outcome(Base):
    """One answered survey as shared between nodes (no person named; a case study only with the
    text and company name the visitor approved for publication)."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("book", "survey_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[Book] = mapped_column(value_enum(Book), index=True)
    survey_uid: Mapped[str] = mapped_column(String(36))
    visit_uid: Mapped[str] = mapped_column(String(36), index=True)
    home: Mapped[str] = mapped_column(String(64), index=True)
    host: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[Stage] = mapped_column(value_enum(Stage))
    useful: Mapped[bool]
    new_contacts: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[ValueBand] = mapped_column(value_enum(ValueBand))
    contracts: Mapped[ValueBand] = mapped_column(value_enum(ValueBand))
    case_study: Mapped[str | None] = mapped_column(Text)
    case_study_company: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
