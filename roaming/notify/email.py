"""The built-in transport: e-mail over SMTP (plain text and HTML with a content security policy,
attachments such as .ics).

With ``MAIL_SERVER`` unset (the demo's default) messages are written as .eml files to the
instance's ``mail/`` folder instead (readable by the node's user only), so a node works with no
mail server and what it would have sent can be read. ``MAIL_PASSWORD`` is never logged.
"""

from __future__ import annotations

import os
import re
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from urllib.parse import urlparse

from flask import current_app

from roaming.config import PRIVATE_FOLDER_MODE, PRIVATE_MODE
from roaming.db import utcnow
from roaming.hookspecs import hookimpl
from roaming.notify import Message, Recipient

SMTP_TIMEOUT = 30
# HTML mail: no script, frame, font or remote image; only inline styles and data: images (the QR code)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
HTML = re.compile(r"<html(\s[^>]*)?>", re.IGNORECASE)


@hookimpl(trylast=True)
def roaming_notify(recipient: Recipient, message: Message) -> None:
    email = build_email(recipient, message)
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _write_to_folder(email)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _write_to_folder(email: EmailMessage) -> None:
    """Write ``email`` to a new file in the instance's ``mail/`` folder, whole or not at all, both
    for the node's user only (0700 and 0600, whatever the umask): the messages hold names, visits
    and check-in links."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
    path = folder / f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    partial = path.with_suffix(".partial")  # renamed when whole: a reader never sees half a message
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE), "wb") as handle:
        handle.write(bytes(email))
    os.replace(partial, path)


def sender() -> str:
    config = current_app.config
    if config["MAIL_FROM"]:
        return config["MAIL_FROM"]
    host = urlparse(config["BASE_URL"]).hostname or "localhost"
    return formataddr((config["NODE_NAME"], f"roaming@{host}"))


def with_content_security_policy(html: str) -> str:
    """``html`` with ``CONTENT_SECURITY_POLICY`` as the first element of its head (a fragment is
    made a document first). Mail readers that honour it (webmail, a browser opening the .eml) then
    run no script and load nothing from elsewhere, even from a link that slipped past the checks."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    head = HEAD.search(html)
    if head:
        return f"{html[: head.end()]}{meta}{html[head.end() :]}"
    root = HTML.search(html)
    if root:
        return f"{html[: root.end()]}<head>{meta}</head>{html[root.end() :]}"
    return f"<!doctype html>\n<html><head>{meta}</head><body>{html}</body></html>"


def build_email(recipient: Recipient, message: Message) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender()
    email["To"] = formataddr((recipient.name, recipient.email))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain=sender().rsplit("@", 1)[-1].rstrip(">"))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text)
    email.add_alternative(with_content_security_policy(message.html), subtype="html")
    for attachment in message.attachments:
        maintype, subtype = attachment.content_type.split(";")[0].strip().split("/")
        params = dict(part.strip().split("=", 1) for part in attachment.content_type.split(";")[1:] if "=" in part)
        email.add_attachment(
            attachment.content.encode(), maintype=maintype, subtype=subtype, filename=attachment.filename, params=params
        )
    email["Content-Language"] = recipient.language  # last: making the body multipart moves Content-* headers
    return email
