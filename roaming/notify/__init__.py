"""Notifications: what is said to whom, queued with the change that caused it and delivered by
the worker through the ``roaming_notify`` hook (e-mail is the built-in transport)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "en"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: str


@dataclass(frozen=True)
class Message:
    kind: str  # e.g. "visit.confirmed"; transports may route on it
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    # it holds a secret (a link to set a password): its text is kept only until it is sent
    erase_when_sent: bool = False
