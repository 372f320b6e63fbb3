"""Registrations for partners' events: one row per registration on each of the two nodes.

As with visits, the host's row is the authority and the home node's copy follows its ``version``.
On the host, a held seat is an ``EventSeat`` row under UNIQUE(event, seat) and UNIQUE(registration):
no event is overbooked and nobody holds two seats, under any concurrency.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum
from roaming.peers.models import Peer
from roaming.visits.models import VisitRole


class RegistrationState(enum.StrEnum):
    REQUESTED = "requested"  # home side: not yet answered by the host
    REGISTERED = "registered"  # holds a seat
    WAITLISTED = "waitlisted"  # waits for a seat; promoted in order when one is freed
    CANCELLED = "cancelled"
    ATTENDED = "attended"  # held a seat when the event ended
    MISSED = "missed"  # still on the waiting list when the event ended

    @property
    def is_open(self) -> bool:
        return self in (RegistrationState.REQUESTED, RegistrationState.REGISTERED, RegistrationState.WAITLISTED)


class Registration(Base):
    __tablename__ = "event_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # chosen by the home side
    role: Mapped[VisitRole] = mapped_column(value_enum(VisitRole), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id"), index=True)
    event_uid: Mapped[str] = mapped_column(String(36), index=True)
    event: Mapped[dict] = mapped_column(JSON, default=dict)  # title, times, place, as the host described it
    state: Mapped[RegistrationState] = mapped_column(value_enum(RegistrationState), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[dict] = mapped_column(JSON, default=dict)
    history: Mapped[list[dict]] = mapped_column(JSON, default=list)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)  # the home's pseudonym for the person
    visitor: Mapped[dict] = mapped_column(JSON, default=dict)  # name, email, language, company
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # home side: sending the registration until the host has answered it
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_send_error: Mapped[str | None] = mapped_column(Text)
    needs_attention_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set aside: not sent until staff retry

    peer: Mapped[Peer] = relationship()


class EventSeat(Base):
    """One visitor seat of one event, held by a registration (host side)."""

    __tablename__ = "event_seat"
    __table_args__ = (UniqueConstraint("event_id", "seat"), UniqueConstraint("registration_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    seat: Mapped[int] = mapped_column(Integer)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registration.id", ondelete="CASCADE"))
