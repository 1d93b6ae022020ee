"""Consultation slots of published shifts and the regulators' bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow
from sched.models.people import GP, User
from sched.models.periods import Shift

AGE_BANDS = ("0-1", "2-17", "18-64", "65-79", "80+")
AGE_BAND_LABELS = {
    "0-1": "moins de 2 ans",
    "2-17": "2 à 17 ans",
    "18-64": "18 à 64 ans",
    "65-79": "65 à 79 ans",
    "80+": "80 ans et plus",
}


class ConsultationSlot(Base):
    """A créneau de consultation: one GP column (position) of a published shift, from starts_at to ends_at."""

    __tablename__ = "consultation_slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    gp_id: Mapped[int | None] = mapped_column(ForeignKey("gps.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    shift: Mapped[Shift] = relationship()
    gp: Mapped[GP | None] = relationship()
    __table_args__ = (
        UniqueConstraint("shift_id", "position", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        CheckConstraint("position >= 0", name="position_valid"),
    )


class SlotBooking(Base):
    """A réservation: the regulation file number, initials and age band only — no other patient data."""

    __tablename__ = "slot_bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("consultation_slots.id"))
    regulation_ref: Mapped[str] = mapped_column(String(40))
    initials: Mapped[str | None] = mapped_column(String(4))
    age_band: Mapped[str | None] = mapped_column(String(5))
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    slot: Mapped[ConsultationSlot] = relationship()
    booked_by: Mapped[User] = relationship(foreign_keys=[booked_by_id])
    __table_args__ = (
        CheckConstraint("length(regulation_ref) >= 1", name="ref_required"),
        CheckConstraint("age_band IS NULL OR age_band IN ('0-1', '2-17', '18-64', '65-79', '80+')", name="age_band"),
        CheckConstraint("(cancelled_at IS NULL) OR (cancel_reason IS NOT NULL)", name="cancel_has_reason"),
        # One live booking per slot, enforced by the database (two regulators, one wins).
        Index(
            "uq_slot_bookings_live_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
    )
