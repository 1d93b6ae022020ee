"""End-of-garde counts: how many patients a GP saw on a garde, and how many of them centre 15 sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sched.models.base import Base, utcnow
from sched.models.people import GP, User
from sched.models.periods import Shift


class GardeCount(Base):
    """One GP's count for one garde, given by the GP or entered by the coordination (entered_by)."""

    __tablename__ = "garde_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    gp_id: Mapped[int] = mapped_column(ForeignKey("gps.id", ondelete="CASCADE"))
    patients_seen: Mapped[int] = mapped_column(Integer)
    sent_by_15: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shift: Mapped[Shift] = relationship()
    gp: Mapped[GP] = relationship()
    entered_by: Mapped[User | None] = relationship()
    __table_args__ = (
        UniqueConstraint("shift_id", "gp_id"),
        CheckConstraint("patients_seen BETWEEN 0 AND 500", name="patients_seen_valid"),
        CheckConstraint("sent_by_15 >= 0 AND sent_by_15 <= patients_seen", name="sent_by_15_valid"),
    )
