"""Login accounts, their browser sessions and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roaming.db import Base, UTCDateTime, utcnow, value_enum

if TYPE_CHECKING:
    from roaming.members.models import Person


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything on this node, including accounts
    HOST_STAFF = "host_staff"  # the catalogue, members and visits; not accounts
    MEMBER = "member"  # a person of a member company: their own company's data

    @property
    def is_staff(self) -> bool:
        return self in (Role.ADMIN, Role.HOST_STAFF)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))  # None: single sign-on only
    role: Mapped[Role] = mapped_column(value_enum(Role))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    if TYPE_CHECKING:  # mapped by roaming.members.models: members are above accounts
        person: Mapped[Person | None]
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def company_id(self) -> int | None:
        return self.person.company_id if self.person else None


class BrowserSession(Base):
    """A log-in of a browser, held on the server: the session cookie carries a random session id,
    and only its SHA-256 is stored here. Ended (the row deleted) by log-out, by a new password or
    deactivation of its account, and at ``expires_at``; a cookie without its row is worthless."""

    __tablename__ = "browser_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's session id
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()


class PasswordLinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a first password, for someone staff invited
    RESET = "reset"  # a new password, asked for on "Forgot your password?"


class PasswordLink(Base):
    """A one-time link, sent by e-mail, to set an account's password: an invitation or a reset.
    Only the SHA-256 of the link's token is stored. One per account: a new link replaces the older
    one. Redeeming deletes the row (so it works once), and so does any new password of the account;
    at ``expires_at`` it is worthless (``roaming.accounts.password_links``)."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(value_enum(PasswordLinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TokenScope(enum.StrEnum):
    READ = "read"  # GET, HEAD and OPTIONS requests only
    WRITE = "write"  # anything the token's user may do


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once. It acts as its
    user, with that user's role as it is at each request, within its ``scope``. It ends when
    revoked, at ``expires_at``, when its user gets a new password (unless
    ``keep_on_password_change``), and when the token it was made with (``parent_id``) ends by
    revocation or a new password (see ``roaming.accounts.operations``)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[TokenScope] = mapped_column(value_enum(TokenScope), default=TokenScope.WRITE)
    keep_on_password_change: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="tokens")
