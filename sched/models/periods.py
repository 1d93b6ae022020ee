"""Periods, their generated shifts and the GPs' availability."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow
from sched.models.people import GP, ShiftTemplate, Site, Territory, User

PERIOD_STATES = ("draft", "collecting", "solving", "review", "published", "amended")
PERIOD_STATE_LABELS = {
    "draft": "Brouillon",
    "collecting": "Recueil des disponibilités",
    "solving": "Optimisation en cours",
    "review": "Relecture",
    "published": "Publiée",
    "amended": "Publiée (modifiée)",
}
LEVELS = ("available", "preferred")


class Period(Base):
    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    end_date: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), default="draft")
    deadline: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]  # when it opened to the GPs' answers (the reminders count from it)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    territory: Mapped[Territory] = relationship()
    shifts: Mapped[list[Shift]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="Shift.starts_at"
    )
    __table_args__ = (
        UniqueConstraint("territory_id", "name"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "state IN ('draft', 'collecting', 'solving', 'review', 'published', 'amended')",
            name="state_known",
        ),
    )

    @property
    def state_label(self) -> str:
        return PERIOD_STATE_LABELS[self.state]


class Shift(Base):
    """A garde: one site, one local date and hours (and the same as UTC instants), its staffing."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_templates.id", ondelete="SET NULL"))
    date: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    min_gps: Mapped[int] = mapped_column(Integer, default=1)
    target_gps: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # a closure: not staffed, not solved
    period: Mapped[Period] = relationship(back_populates="shifts")
    site: Mapped[Site] = relationship()
    template: Mapped[ShiftTemplate | None] = relationship()
    __table_args__ = (
        UniqueConstraint("site_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        CheckConstraint("min_gps >= 0", name="min_not_negative"),
        CheckConstraint("target_gps >= min_gps", name="target_at_least_min"),
        CheckConstraint("priority >= 1", name="priority_positive"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_length_valid"),
    )

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AvailabilityAnswer(Base):
    """A GP's answer for a period: when, the limits for this period, a comment. Its existence = answered."""

    __tablename__ = "availability_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    max_shifts: Mapped[int | None] = mapped_column(Integer)
    max_per_week: Mapped[int | None] = mapped_column(Integer)
    max_saturdays: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # Set when the coordination typed the answer (phone, paper); cleared when the GP saves it themselves.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    gp: Mapped[GP] = relationship()
    entered_by: Mapped[User | None] = relationship()
    __table_args__ = (
        UniqueConstraint("gp_id", "period_id"),
        CheckConstraint("max_shifts IS NULL OR max_shifts >= 0", name="max_shifts_valid"),
        CheckConstraint("max_per_week IS NULL OR max_per_week >= 0", name="max_per_week_valid"),
        CheckConstraint("max_saturdays IS NULL OR max_saturdays >= 0", name="max_saturdays_valid"),
    )


class Availability(Base):
    """One GP, one shift: available or preferred. No row = unavailable (the default)."""

    __tablename__ = "availabilities"
    gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id", ondelete="CASCADE"), primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    __table_args__ = (CheckConstraint("level IN ('available', 'preferred')", name="level_known"),)
