"""The plugin's tables (prefix ``makerspace_``): equipment, and the hours visitors reserved."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base


class Equipment(Base):
    __tablename__ = "makerspace_equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    in_service: Mapped[bool] = mapped_column(default=True)

    reservations: Mapped[list[Reservation]] = relationship(back_populates="equipment", order_by="Reservation.day")


class Reservation(Base):
    """One reserved hour of one machine, for one visit: UNIQUE(equipment, day, hour) makes a
    double booking impossible."""

    __tablename__ = "makerspace_reservation"
    __table_args__ = (UniqueConstraint("equipment_id", "day", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("makerspace_equipment.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer)
    visit_uid: Mapped[str] = mapped_column(String(36), index=True)

    equipment: Mapped[Equipment] = relationship(back_populates="reservations")
