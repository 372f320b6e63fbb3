"""A real SMTP server (aiosmtpd) on a loopback port, keeping what it receives."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from roaming.cli.demo import free_port


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]

    def wait_for(self, address: str, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while not self.to(address):
            if time.monotonic() > deadline:
                raise AssertionError(f"No mail to {address} within {timeout} s")
            time.sleep(0.1)
        return self.to(address)


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port("127.0.0.1")
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *_exc):
        self.controller.stop()
