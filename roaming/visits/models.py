"""Visits: one row per visit on each of the two nodes involved.

The host's row is the authority; the home node keeps a copy that follows the host's ``version``.
Days are rows of their own (a visitor may cancel some days, and check-in is per day). On the host,
each booked seat-day is a ``SeatAllocation`` row whose UNIQUE(desk, day, seat) makes double
booking impossible under any concurrency, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum
from roaming.peers.models import Peer, VisitRole


class VisitState(enum.StrEnum):
    REQUESTED = "requested"  # waiting for the host's decision
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"  # the host did not decide before the deadline
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"
    COMPLETED = "completed"

    @property
    def is_open(self) -> bool:
        return self in (VisitState.REQUESTED, VisitState.CONFIRMED, VisitState.CHECKED_IN)


class DayStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"


class Visit(Base):
    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # the request id, chosen by the home side
    role: Mapped[VisitRole] = mapped_column(value_enum(VisitRole), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id"), index=True)
    state: Mapped[VisitState] = mapped_column(value_enum(VisitState), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by the host at every change
    # what is booked (a snapshot: the catalogue may change later)
    desk_uid: Mapped[str] = mapped_column(String(36))
    resource: Mapped[dict] = mapped_column(JSON, default=dict)  # desk and location names, address, zone
    starts_on: Mapped[date] = mapped_column(Date, index=True)  # the dates asked for
    ends_on: Mapped[date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(Integer, default=1)
    services: Mapped[list[dict]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[dict] = mapped_column(JSON, default=dict)  # {"currency", "amount", "lines"}
    terms: Mapped[dict] = mapped_column(JSON, default=dict)  # the terms the visit was made under
    # who visits (home side: the person; host side: what the attestation told)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    visitor: Mapped[dict] = mapped_column(JSON, default=dict)  # name, email, language, company
    company_ref: Mapped[str] = mapped_column(String(64), index=True)
    # the decision
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    history: Mapped[list[dict]] = mapped_column(JSON, default=list)
    checkin_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # host side: the QR code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # home side: sending the request until the host has answered it
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_send_error: Mapped[str | None] = mapped_column(Text)
    needs_attention_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set aside: not sent until staff retry

    peer: Mapped[Peer] = relationship()
    days: Mapped[list[VisitDay]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", passive_deletes=True, order_by="VisitDay.day"
    )

    def booked_days(self) -> list[VisitDay]:
        return [day for day in self.days if day.status is not DayStatus.CANCELLED]

    def dates_kept(self) -> tuple[date, date]:
        """The first and the last day not cancelled; the dates asked for when no day is kept."""
        kept = sorted(day.day for day in self.booked_days())
        return (kept[0], kept[-1]) if kept else (self.starts_on, self.ends_on)

    def day_state(self, day: VisitDay) -> str:
        """What a day is, as people read it: a day booked for a visit still waiting for the host, or
        one the host declined, or that expired or was cancelled as a whole, is in the visit's state
        (a ``VisitState`` value); otherwise the day's own status (a ``DayStatus`` value)."""
        if day.status is DayStatus.BOOKED and self.state in _NOT_HELD:
            return self.state.value
        return day.status.value


_NOT_HELD = (VisitState.REQUESTED, VisitState.DECLINED, VisitState.EXPIRED, VisitState.CANCELLED)


class VisitDay(Base):
    __tablename__ = "visit_day"
    __table_args__ = (UniqueConstraint("visit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[DayStatus] = mapped_column(value_enum(DayStatus), default=DayStatus.BOOKED)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="days")


class SeatAllocation(Base):
    """One seat of one desk on one day, held by a visit (host side)."""

    __tablename__ = "seat_allocation"
    __table_args__ = (UniqueConstraint("desk_id", "day", "seat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desk.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    seat: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)


class CalendarFeed(Base):
    """A person's personal calendar feed (webcal): a secret URL token, replaceable to revoke."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
