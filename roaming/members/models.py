"""Member companies and the people who work for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.accounts.models import User
from roaming.db import Base, UTCDateTime, utcnow, value_enum


class CompanyStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class MemberCompany(Base):
    __tablename__ = "member_company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    sector: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CompanyStatus] = mapped_column(value_enum(CompanyStatus), default=CompanyStatus.ACTIVE)
    imported: Mapped[bool] = mapped_column(default=False)  # named by an import file: imports manage it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    people: Mapped[list[Person]] = relationship(
        back_populates="company", cascade="all, delete-orphan", passive_deletes=True, order_by="Person.id"
    )


class Person(Base):
    """Someone at a member company; may or may not have a login (``roaming.accounts.User``)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("member_company.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))  # for messages to them; None: English
    newsletter: Mapped[bool] = mapped_column(default=False)  # asked for the "Cluster in focus" digest
    imported: Mapped[bool] = mapped_column(default=False)  # named by an import file: imports manage it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[MemberCompany] = relationship(back_populates="people")


# A login may belong to a member's person: the link is mapped here, above accounts, which knows
# nothing of members (``User.person``; None for staff accounts).
User.person = relationship(Person)
