"""E-mail through a real SMTP server: what is sent, and retrying while the server is down."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from roaming.cli.demo import free_port
from roaming.db import session, utcnow
from roaming.notify import Attachment, Message, Recipient
from roaming.notify.email import CONTENT_SECURITY_POLICY, build_email
from roaming.notify.models import Notification
from roaming.notify.operations import queue, send_due
from tests.support.smtp import SmtpServer

MESSAGE = Message(
    kind="visit.confirmed",
    subject="Ihr Arbeitsplatz bei it@cork ist bestätigt",
    text="Guten Tag Ana,\n\nIhr Besuch ist bestätigt.",
    html="<p>Guten Tag Ana,</p><p>Ihr Besuch ist bestätigt.</p>",
    attachments=(
        Attachment("visit.ics", "text/calendar; method=PUBLISH; charset=utf-8", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
    ),
)

pytestmark = pytest.mark.each_database


def test_a_notification_arrives_with_text_html_and_calendar(app, within):
    with SmtpServer() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        within(lambda: (queue(Recipient("ana@datenwerk.example", "Ana Weber", "de"), MESSAGE), session.commit()))
        assert within(send_due) == 1
        (mail,) = smtp.inbox.wait_for("ana@datenwerk.example")
    assert mail["Subject"] == MESSAGE.subject and mail["Content-Language"] == "de"
    assert mail["To"] == "Ana Weber <ana@datenwerk.example>" and mail["From"].addresses[0].username == "roaming"
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == MESSAGE.text
    assert "<p>Ihr Besuch ist bestätigt.</p>" in mail.get_body(("html",)).get_content()
    (calendar,) = list(mail.iter_attachments())
    assert calendar.get_content_type() == "text/calendar" and calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == "visit.ics"


def test_a_down_server_means_a_later_retry_not_a_lost_message(app, within):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port("127.0.0.1"), MAIL_PASSWORD="s3cret-password")
    within(lambda: (queue(Recipient("ben@datenwerk.example"), MESSAGE), session.commit()))
    assert within(send_due) == 0

    def state():
        row = session.scalar(select(Notification))
        return row.attempts, row.sent_at, row.next_attempt_at, row.last_error

    attempts, sent_at, next_attempt_at, error = within(state)
    assert attempts == 1 and sent_at is None and next_attempt_at > utcnow() + timedelta(seconds=10)
    assert "ConnectionRefusedError" in error and "s3cret" not in error

    def make_due():
        session.scalar(select(Notification)).next_attempt_at = utcnow()
        session.commit()

    with SmtpServer() as smtp:
        app.config["MAIL_PORT"] = smtp.port
        app.config["MAIL_PASSWORD"] = None
        within(make_due)
        assert within(send_due) == 1
        assert smtp.inbox.wait_for("ben@datenwerk.example")


def test_without_a_mail_server_mail_is_written_for_the_nodes_user_only(app, within):
    """The .eml files hold people's names, visits and check-in links: 0600 in a 0700 folder."""
    before = os.umask(0)
    try:
        within(lambda: (queue(Recipient("ana@datenwerk.example", "Ana Weber", "de"), MESSAGE), session.commit()))
        assert within(send_due) == 1
    finally:
        os.umask(before)
    folder = Path(app.instance_path) / "mail"
    (written,) = folder.glob("*.eml")
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700) and oct(written.stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize(
    "html",
    [
        "<p>Guten Tag Ana,</p>",
        '<!doctype html>\n<html lang="de"><body><p>Guten Tag</p></body></html>',
        "<!DOCTYPE html><html><HEAD><title>x</title></HEAD><body><p>Guten Tag</p></body></html>",
    ],
)
def test_html_mail_carries_a_content_security_policy_that_runs_nothing(app, html):
    """A mail reader that honours it (webmail, a browser opening the .eml) runs no script and
    loads nothing from elsewhere, even from a link the checks missed; inline styles and the QR
    code (a data: image) still show."""
    message = Message(kind="test", subject="Test", text="Guten Tag", html=html)
    with app.app_context():
        email = build_email(Recipient("ana@datenwerk.example", "Ana Weber", "de"), message)
    body = email.get_body(("html",)).get_content()
    policy = re.search(r'<head[^>]*>\s*<meta http-equiv="Content-Security-Policy" content="([^"]+)">', body, re.I)
    assert policy is not None, body
    assert policy.group(1) == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
    assert body.count("Content-Security-Policy") == 1 and "Guten Tag" in body
