"""Memberships of the federation, kept by the coordinator."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roaming.db import Base, UTCDateTime, utcnow, value_enum


class MembershipStatus(enum.StrEnum):
    APPLICATION = "application"  # asked to join
    REVIEW = "review"  # being checked by the coordinator
    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class Membership(Base):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    base_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[MembershipStatus] = mapped_column(value_enum(MembershipStatus))
    jwks: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RegistryVersion(Base):
    """The registry's version counter: bumped by every membership change the registry shows."""

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
