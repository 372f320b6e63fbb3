"""Peers, the replay cache, received message ids, and the mirror of peers' catalogues."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum


class PeerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class TrustSource(enum.StrEnum):
    REGISTRY = "registry"  # keys come from the coordinator's signed registry
    PINNED = "pinned"  # bilateral: the key fingerprint was given by the peer's admin


class VisitRole(enum.StrEnum):
    """Which side of a visit or event registration this node is on, with the peer on the other."""

    HOME = "home"  # the visitor is one of our members; the host is the peer
    HOST = "host"  # we host a visitor from the peer


class Peer(Base):
    __tablename__ = "peer"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    base_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[PeerStatus] = mapped_column(value_enum(PeerStatus), default=PeerStatus.ACTIVE)
    trust: Mapped[TrustSource] = mapped_column(value_enum(TrustSource))
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # catalogue sync
    sync_cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    # delivery health
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breaker_open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unavailable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_delivery_error: Mapped[str | None] = mapped_column(Text)

    keys: Mapped[list[PeerKey]] = relationship(
        back_populates="peer", cascade="all, delete-orphan", passive_deletes=True
    )


class PeerKey(Base):
    """A public key we accept signatures from, and whose node it is."""

    __tablename__ = "peer_key"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id", ondelete="CASCADE"), index=True)
    jwk: Mapped[dict] = mapped_column(JSON)

    peer: Mapped[Peer] = relationship(back_populates="keys")


class SeenNonce(Base):
    """Signature nonces already accepted, per key, until their signature expires (replay cache).

    The unique constraint makes the check atomic across all processes sharing the database.
    """

    __tablename__ = "seen_nonce"
    __table_args__ = (UniqueConstraint("key_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MirroredItem(Base):
    """A partner's catalogue item as we last received it, with columns to search by.

    Search results are ordered by ``sort_key`` then ``id``; each equality filter has an index
    that ends in that order, so a page is read by walking one index and stops early."""

    __tablename__ = "mirrored_item"
    __table_args__ = (
        UniqueConstraint("peer_id", "uid"),
        Index("ix_mirrored_item_sort", "sort_key", "id"),
        Index("ix_mirrored_item_kind_sort", "kind", "sort_key", "id"),
        Index("ix_mirrored_item_country_sort", "country", "sort_key", "id"),
        Index("ix_mirrored_item_city_sort", "city_key", "sort_key", "id"),
        Index("ix_mirrored_item_service_kind_sort", "service_kind", "sort_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    uid: Mapped[str] = mapped_column(String(36))
    change_seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    # search columns, filled from data
    sort_key: Mapped[str] = mapped_column(String(120), default="", server_default="")  # mirror.sort_key
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    city_key: Mapped[str | None] = mapped_column(String(100))  # case-folded, for equality
    service_kind: Mapped[str | None] = mapped_column(String(50))
    languages: Mapped[str] = mapped_column(String(200), default="")  # " de en " for LIKE '% de %'
    sectors: Mapped[str] = mapped_column(Text, default="")  # the cluster row's "|a|b|"; search reads no other
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased words
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    peer: Mapped[Peer] = relationship()


class RegistryCopy(Base):
    """The last valid federation registry this node accepted (one row), and how refreshing goes."""

    __tablename__ = "registry_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coordinator_keys: Mapped[dict] = mapped_column(JSON, default=dict)  # key id -> public JWK
    terms: Mapped[dict | None] = mapped_column(JSON)  # the federation's agreement terms, if published
    coordinator_node_id: Mapped[str | None] = mapped_column(String(64))  # who signed it (receives reports)
    receipt_checks: Mapped[bool] = mapped_column(Boolean, default=False)  # it compares hosts' and homes' reports
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A message to a peer, written in the same transaction as the change it reports; the
    worker delivers it (in id order per peer) until the peer confirms it."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(200))  # where on the peer, e.g. /federation/notices
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set aside: not sent until staff retry
    request_id: Mapped[str | None] = mapped_column(String(64))  # of the request that caused it, sent along

    peer: Mapped[Peer] = relationship()


class InboxMessage(Base):
    """Message ids received from each peer: a duplicate is answered with success, applied once."""

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("peer_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TermsVariation(Base):
    """How this node, as host, varies the federation's terms for one partner cluster."""

    __tablename__ = "terms_variation"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id", ondelete="CASCADE"), unique=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    peer: Mapped[Peer] = relationship()
