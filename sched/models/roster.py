"""Roster versions (plannings), assignments, solve requests and swaps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow
from sched.models.people import GP, User
from sched.models.periods import Period, Shift


class RosterVersion(Base):
    """Planning version n of a period. Unpublished = the working draft; every published one is kept."""

    __tablename__ = "roster_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="solver")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    solver_status: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[dict[str, Any] | None]
    diagnostics: Mapped[list[Any] | None]
    note: Mapped[str | None] = mapped_column(Text)
    period: Mapped[Period] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="version", cascade="all, delete-orphan")
    __table_args__ = (
        UniqueConstraint("period_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "source IN ('solver', 'manual', 'amendment', 'swap', 'replacement', 'demo')", name="source_known"
        ),
    )


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("roster_versions.id", ondelete="CASCADE"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)  # a rule overridden by the coordination, why
    version: Mapped[RosterVersion] = relationship(back_populates="assignments")
    shift: Mapped[Shift] = relationship()
    gp: Mapped[GP] = relationship()
    __table_args__ = (UniqueConstraint("version_id", "shift_id", "gp_id"),)


SOLVE_STATES = ("queued", "running", "done", "failed")


class SolveRequest(Base):
    """A queued optimisation; the partial unique index lets only one be queued or running per period.

    The task engine delivers it (docs/architecture.md): `attempt` counts the workers that claimed it, `worker`
    is the last one (host:pid), whose `heartbeat_at` says it is alive; `enqueued_at` is its last publication.
    """

    __tablename__ = "solve_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    time_limit_s: Mapped[int] = mapped_column(Integer, default=60)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    progress: Mapped[list[Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("roster_versions.id", ondelete="SET NULL"))
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    period: Mapped[Period] = relationship()
    requested_by: Mapped[User | None] = relationship()
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
        Index(
            "uq_solve_requests_active_period",
            "period_id",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )


OFFER_KINDS = ("offer", "swap")
OFFER_STATES = ("open", "taken", "approved", "refused", "declined", "cancelled", "expired")


class SwapRequest(Base):
    """A GP hands a garde over: an offer anyone eligible may take, or a swap against one named GP's garde.

    offer: open → taken (first eligible GP to accept; the database decides) → approved (a new published version)
    or refused; the coordination (or the territory's automatic approval) decides. swap: open → taken (the partner
    accepted) → approved | refused, or declined by the partner. Open ones can be cancelled or expire.
    """

    __tablename__ = "swap_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="offer")
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    from_gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id"))
    to_gp_id: Mapped[int | None] = mapped_column(ForeignKey("gps.id"))
    counter_shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("roster_versions.id", ondelete="SET NULL"))
    shift: Mapped[Shift] = relationship(foreign_keys=[shift_id])
    counter_shift: Mapped[Shift | None] = relationship(foreign_keys=[counter_shift_id])
    from_gp: Mapped[GP] = relationship(foreign_keys=[from_gp_id])
    to_gp: Mapped[GP | None] = relationship(foreign_keys=[to_gp_id])
    __table_args__ = (
        CheckConstraint("kind IN ('offer', 'swap')", name="kind_known"),
        CheckConstraint(
            "state IN ('open', 'taken', 'approved', 'refused', 'declined', 'cancelled', 'expired')", name="state_known"
        ),
        CheckConstraint("to_gp_id IS NULL OR to_gp_id <> from_gp_id", name="not_to_self"),
        CheckConstraint(
            "(kind = 'swap') = (counter_shift_id IS NOT NULL AND to_gp_id IS NOT NULL)", name="swap_has_partner"
        ),
        CheckConstraint("state IN ('open', 'cancelled', 'expired') OR to_gp_id IS NOT NULL", name="taken_has_gp"),
        # One live request per garde and GP: a second offer of the same garde is refused by the database.
        Index(
            "uq_swap_requests_live",
            "shift_id",
            "from_gp_id",
            unique=True,
            sqlite_where=text("state IN ('open', 'taken')"),
            postgresql_where=text("state IN ('open', 'taken')"),
        ),
    )

    @property
    def live(self) -> bool:
        return self.state in ("open", "taken")


class Absence(Base):
    """Leave or training: the GP takes no garde from start_date to end_date (local dates, inclusive)."""

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    gp: Mapped[GP] = relationship()
    __table_args__ = (CheckConstraint("end_date >= start_date", name="end_after_start"),)

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date
