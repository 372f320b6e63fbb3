"""The plugin's tables (prefix ``deskcal_``): busy days per desk and each feed's last read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roaming.db import Base, UTCDateTime


class BusyDay(Base):
    __tablename__ = "deskcal_busy_day"
    __table_args__ = (UniqueConstraint("desk_uid", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_uid: Mapped[str] = mapped_column(String(36))
    day: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(200), default="")


class FeedState(Base):
    __tablename__ = "deskcal_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_uid: Mapped[str] = mapped_column(String(36), unique=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    busy_days: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
