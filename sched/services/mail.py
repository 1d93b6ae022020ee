"""Queue e-mails into the outbox table; the scheduler's outbox job sends them."""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from sched.extensions import db
from sched.models import OutboxAttachment, OutboxEmail, utcnow
from sched.services.identity import address_problem

SUBJECT_LENGTH = 300


class MailError(ValueError):
    """Why a message cannot be queued, in French."""


def one_line(text: str) -> str:
    """A header value: line breaks and runs of blanks become one space (no header injection)."""
    return " ".join(text.split())


def queue_email(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str = "message",
    send_after: datetime | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> OutboxEmail:
    """Add a message to the outbox in the caller's transaction: it exists only if the change it announces does.

    `attachments`: (file name, content type, bytes) of each file sent with it (stored with the message).
    """
    to = to.strip().lower()
    if problem := address_problem(to):
        raise MailError(problem)
    message = OutboxEmail(
        kind=kind,
        to_addr=to,
        subject=one_line(subject)[:SUBJECT_LENGTH],
        body_text=text,
        body_html=html,
        send_after=send_after or utcnow(),
        attachments=[
            OutboxAttachment(filename=one_line(name)[:200], content_type=content_type, content=content)
            for name, content_type, content in attachments
        ],
    )
    db.session.add(message)
    return message


def queue_template(
    to: str, subject: str, template: str, kind: str, attachments: list[tuple[str, str, bytes]] = (), **context
) -> OutboxEmail:
    """Render templates/email/<template>.txt and .html with `context` and queue the message."""
    context.setdefault("subject", one_line(subject))
    return queue_email(
        to,
        subject,
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
        kind=kind,
        attachments=attachments,
    )
