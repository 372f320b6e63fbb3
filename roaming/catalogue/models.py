"""Catalogue tables. Every row is a ``CatalogueItem``: it has a federation-wide ``uid`` and the
change number of its last change (see ``roaming.catalogue.changes``)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum


def new_uid() -> str:
    return str(uuid.uuid4())


class ManagementLabel(enum.StrEnum):
    """The European Cluster Excellence Initiative's cluster-management labels."""

    NONE = "none"
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


class RateUnit(enum.StrEnum):
    DAY = "day"
    HALF_DAY = "half_day"
    HOUR = "hour"
    SESSION = "session"
    PERSON = "person"


class CatalogueItem:
    """Columns every published catalogue row carries."""

    KIND: str  # the name this kind has in the API and the change feed

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    change_seq: Mapped[int] = mapped_column(Integer, index=True, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The stable key an import file gives the item (its ``key``, else its natural key: see
    # ``roaming.catalogue.importer``); None for items made by hand, which imports leave alone.
    import_key: Mapped[str | None] = mapped_column(String(300), index=True)


class ClusterProfile(CatalogueItem, Base):
    """The node's own cluster organisation: exactly one row."""

    __tablename__ = "cluster_profile"
    KIND = "cluster"

    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    member_count: Mapped[int | None] = mapped_column(Integer)
    founding_year: Mapped[int | None] = mapped_column(Integer)
    management_label: Mapped[ManagementLabel] = mapped_column(value_enum(ManagementLabel), default=ManagementLabel.NONE)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    visitor_contact_role: Mapped[str | None] = mapped_column(String(100))
    visitor_contact_email: Mapped[str | None] = mapped_column(String(254))


class Location(CatalogueItem, Base):
    __tablename__ = "location"
    KIND = "location"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    timezone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSON, default=dict)
    closed_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")

    desks: Mapped[list[Desk]] = relationship(back_populates="location", order_by="Desk.id")
    rooms: Mapped[list[MeetingRoom]] = relationship(back_populates="location", order_by="MeetingRoom.id")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Desk(CatalogueItem, Base):
    __tablename__ = "desk"
    KIND = "desk"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    amenities: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")

    location: Mapped[Location] = relationship(back_populates="desks")


class MeetingRoom(CatalogueItem, Base):
    __tablename__ = "meeting_room"
    KIND = "room"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    amenities: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")

    location: Mapped[Location] = relationship(back_populates="rooms")


class Service(CatalogueItem, Base):
    """Something a host offers visitors; ``kind`` is a core kind or one a plugin registers."""

    __tablename__ = "service"
    KIND = "service"

    kind: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    free_under_agreement: Mapped[bool] = mapped_column(default=True)
    free_allowance: Mapped[str] = mapped_column(String(300), default="")
    member_rate_amount: Mapped[int | None] = mapped_column(Integer)  # minor units
    member_rate_currency: Mapped[str | None] = mapped_column(String(3))
    member_rate_unit: Mapped[RateUnit | None] = mapped_column(value_enum(RateUnit))
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    withdrawn: Mapped[bool] = mapped_column(default=False)  # its kind's plugin is disabled: not published

    location: Mapped[Location | None] = relationship()


class Event(CatalogueItem, Base):
    __tablename__ = "event"
    KIND = "event"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    online_url: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    visitor_seats: Mapped[int] = mapped_column(Integer, default=0)
    member_rate_amount: Mapped[int | None] = mapped_column(Integer)  # minor units; None = free
    member_rate_currency: Mapped[str | None] = mapped_column(String(3))

    location: Mapped[Location | None] = relationship()


class NewsItem(CatalogueItem, Base):
    """A piece of news the cluster publishes for the federation's "Cluster in focus" newsletter."""

    __tablename__ = "news_item"
    KIND = "news"

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Tombstone(Base):
    """What is left of a deleted catalogue item, so that mirrors learn of the deletion."""

    __tablename__ = "tombstone"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    uid: Mapped[str] = mapped_column(String(36), index=True)
    change_seq: Mapped[int] = mapped_column(Integer, index=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeCounter(Base):
    """The last change number handed out, one row per counter name."""

    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


CATALOGUE_KINDS: dict[str, type[CatalogueItem]] = {
    model.KIND: model for model in (ClusterProfile, Location, Desk, MeetingRoom, Service, Event, NewsItem)
}
