"""Sending the outbox (e-mails by SMTP, SMS by the configured backend), each message claimed by one sender only.

A sender claims one due row at a time with a single atomic UPDATE (on PostgreSQL its candidate row is picked
`FOR UPDATE SKIP LOCKED`; SQLite runs one writer at a time), commits, then sends with no transaction open: two
schedulers never send the same message, however slow the server. A claim older than CLAIM_TIMEOUT belonged to
a sender that died and is taken over. A message is marked sent only once its server accepted it; a failure is
retried with back-off; a message that can never be sent (a header with a line break) is given up at once, alone.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import or_, select, update

from sched.extensions import db
from sched.models import OutboxEmail, OutboxSms, utcnow
from sched.services import sms

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # after that a message stays in the outbox, visible with `python -m sched outbox`
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
# Longer than one send can take (SMTP timeout 30 s, SMS API 10 + 30 s): only a dead sender holds a claim so long.
CLAIM_TIMEOUT = timedelta(minutes=10)
# Their bodies carry single-use links: once sent, the outbox keeps no replayable copy.
SECRET_KINDS = frozenset({"invitation", "password_reset"})
REDACTED = "[contenu effacé après envoi : il contenait un lien secret]"
Row = OutboxEmail | OutboxSms


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 1, 2, 4, 8 … minutes after the n-th failure, at most 6 hours."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def build_message(row: OutboxEmail) -> EmailMessage:
    """The e-mail; ValueError when a header holds a line break (rows queued before validation, or by hand)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}")
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def sender_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_next(model: type[Row], owner: str) -> Row | None:
    """Take the oldest due message nobody holds (or whose holder died); None when there is none."""
    now = utcnow()
    free = or_(model.claimed_at.is_(None), model.claimed_at < now - CLAIM_TIMEOUT)
    candidate = (
        select(model.id)
        .where(model.sent_at.is_(None), model.failed_at.is_(None), model.send_after <= now, free)
        .order_by(model.send_after, model.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(model)
        .where(model.id == candidate, free)
        .values(claimed_at=now, claimed_by=owner, attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return db.session.get(model, claimed) if claimed is not None else None


def mark_sent(row: Row) -> None:
    row.sent_at = utcnow()
    row.last_error = None
    if row.kind in SECRET_KINDS:
        redact(row)
    db.session.commit()


def redact(row: Row) -> None:
    if isinstance(row, OutboxEmail):
        row.body_text, row.body_html = REDACTED, None
    else:
        row.body = REDACTED


def fail(row: Row, error: Exception, permanent: bool = False) -> None:
    """Record the failure; retry later with back-off, or give up (a message that can never go, or too many tries)."""
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    row.claimed_at = row.claimed_by = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.failed_at = utcnow()
        if row.kind in SECRET_KINDS:
            redact(row)  # never retried: its link need not wait in the database
        log.error("outbox: message #%s (%s) given up: %s", row.id, row.kind, row.last_error)
    else:
        row.send_after = utcnow() + retry_delay(row.attempts)
    db.session.commit()


def flush_emails(owner: str, limit: int) -> tuple[int, int]:
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        while sent + failed < limit and (row := claim_next(OutboxEmail, owner)) is not None:
            try:
                message = build_message(row)
            except (ValueError, TypeError) as error:
                fail(row, error, permanent=True)
                failed += 1
                continue
            try:
                smtp = smtp or connect()
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                fail(row, error)
                failed += 1
                if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
                    log.warning("SMTP server unreachable: %s", error)
                    break  # the connection is gone: the rest waits for the next run, with no try counted
            except Exception as error:  # e.g. an address the server cannot encode: this message only
                log.exception("outbox: message #%s could not be sent", row.id)
                fail(row, error)
                failed += 1
            else:
                mark_sent(row)
                sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


def flush_sms(owner: str, limit: int) -> tuple[int, int]:
    sent = failed = 0
    sender = None
    while sent + failed < limit and (row := claim_next(OutboxSms, owner)) is not None:
        try:
            sender = sender or sms.make_sender()
            row.provider_id = sender.send(row)
        except sms.UndeliverableSms as error:
            fail(row, error, permanent=True)
            failed += 1
        except Exception as error:  # the provider's library raises its own types; each is retried later
            fail(row, error)
            failed += 1
            if isinstance(error, sms.ProviderUnreachable):
                log.warning("SMS provider unreachable: %s", error)
                break
        else:
            mark_sent(row)
            sent += 1
    return sent, failed


def flush(limit: int = 200) -> tuple[int, int]:
    """Send the due e-mails then the due SMS; returns (sent, failed). Each outcome is committed at once."""
    owner = sender_name()
    mails = flush_emails(owner, limit)
    texts = flush_sms(owner, limit)
    return mails[0] + texts[0], mails[1] + texts[1]


def pending() -> list[Row]:
    """Every message not sent yet (due, waiting for a retry, or given up), e-mails then SMS."""
    rows: list[Row] = []
    for model in (OutboxEmail, OutboxSms):
        rows += db.session.scalars(select(model).where(model.sent_at.is_(None)).order_by(model.send_after, model.id))
    return rows
