"""Secret tokens (stored hashed), audit events and scheduler run locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow
from sched.models.people import GP, Site, User


class AuthToken(Base):
    """Invitation (set a first password) or password reset link: single use, expiring, stored as a hash."""

    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()
    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),)


class ApiToken(Base):
    """Bearer token for the regulators' software; printed once, stored hashed, revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class FeedToken(Base):
    """Secret part of an iCal feed URL: one per GP, per site, or for the coordination."""

    __tablename__ = "feed_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(12))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    gp_id: Mapped[int | None] = mapped_column(ForeignKey("gps.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    gp: Mapped[GP | None] = relationship()
    site: Mapped[Site | None] = relationship()
    __table_args__ = (
        CheckConstraint("scope IN ('gp', 'site', 'coordination')", name="scope_known"),
        CheckConstraint(
            "(scope = 'gp' AND gp_id IS NOT NULL) OR (scope = 'site' AND site_id IS NOT NULL)"
            " OR scope = 'coordination'",
            name="scope_target",
        ),
    )


class AuditEvent(Base):
    """Who did what, when, to which object — written in the same transaction as the change."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any] | None]
    actor: Mapped[User | None] = relationship()


class JobRun(Base):
    """One run of a scheduled job; the unique key makes two scheduler processes run it once."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    run_key: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    host: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("job_id", "run_key"),)
