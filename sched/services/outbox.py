"""Sending the outbox: each message marked sent only once the SMTP server accepted it; failures retried later."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import select

from sched.extensions import db
from sched.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # after that a message stays in the outbox, visible with `python -m sched outbox`
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 1, 2, 4, 8 … minutes after the n-th failure, at most 6 hours."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def build_message(row: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}")
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def due() -> list[OutboxEmail]:
    """Unsent messages whose time has come, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.send_after <= utcnow(),
                OutboxEmail.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxEmail.send_after, OutboxEmail.id)
        )
    )


def pending() -> list[OutboxEmail]:
    """Every message not sent yet (due, waiting for a retry, or given up)."""
    return list(
        db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.send_after))
    )


def fail(row: OutboxEmail, error: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    row.send_after = utcnow() + retry_delay(row.attempts)


def flush(limit: int = 200) -> tuple[int, int]:
    """Send the due messages; returns (sent, failed). Each outcome is committed at once, message by message."""
    rows = due()[:limit]
    if not rows:
        return 0, 0
    sent = failed = 0
    try:
        smtp = connect()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("SMTP server unreachable: %s", error)
        for row in rows:
            fail(row, error)
        db.session.commit()
        return 0, len(rows)
    try:
        for row in rows:
            try:
                smtp.send_message(build_message(row))
            except (OSError, smtplib.SMTPException) as error:
                fail(row, error)
                failed += 1
                if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
                    db.session.commit()
                    break  # the connection is gone: the rest waits for the next run
            else:
                row.attempts += 1
                row.sent_at = utcnow()
                row.last_error = None
                sent += 1
            db.session.commit()
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed
