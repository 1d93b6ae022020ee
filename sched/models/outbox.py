"""The outbox: every e-mail and SMS waits here until its server or provider accepted it.

A sender claims one row at a time (claimed_at, claimed_by) with an atomic UPDATE, so two schedulers never send
the same message; a claim older than the outbox's CLAIM_TIMEOUT is taken over (its process died).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow


class OutboxRow:
    """What e-mails and SMS share: when to send, how many tries, the last error, who holds the claim."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_after: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # Given up: a message that can never be sent (bad header) or that failed too often.
    failed_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))


class OutboxEmail(OutboxRow, Base):
    """One e-mail: sent with retries and back-off, never lost when SMTP is down."""

    __tablename__ = "outbox_emails"
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="OutboxAttachment.id", lazy="selectin"
    )

    @property
    def recipient(self) -> str:
        return self.to_addr

    @property
    def summary(self) -> str:
        return f"« {self.subject} »"


class OutboxAttachment(Base):
    """A file sent with an e-mail of the outbox (the monthly report's PDF): stored with it, gone with it."""

    __tablename__ = "outbox_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbox_emails.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (CheckConstraint("content_type LIKE '%/%'", name="content_type_valid"),)


class OutboxSms(OutboxRow, Base):
    """One SMS to an E.164 number, through the configured provider (SMS_BACKEND)."""

    __tablename__ = "outbox_sms"
    to_phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(100))  # the provider's id of the sent message
    __table_args__ = (
        CheckConstraint("length(body) <= 480", name="body_length"),
        CheckConstraint("to_phone LIKE '+%'", name="to_phone_e164"),
    )

    @property
    def recipient(self) -> str:
        return self.to_phone

    @property
    def summary(self) -> str:
        return f"SMS « {self.body[:40]}{'…' if len(self.body) > 40 else ''} »"
