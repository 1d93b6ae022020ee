"""Absences (leave, training): the solver sees them as unavailability; a published garde they hit is offered."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.i18n import date_fr
from sched.models import GP, Absence, Shift, SwapRequest, User, utcnow
from sched.services import audit, eligibility, offers

REASON_MAX = 200
LONGEST = timedelta(days=366)


class AbsenceError(ValueError):
    """An absence refused; `field` names the form field the French message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def clean(start: date | None, end: date | None, reason: str | None, today: date) -> tuple[date, date, str | None]:
    if start is None:
        raise AbsenceError("Indiquez le premier jour d'absence.", "start")
    if end is None:
        raise AbsenceError("Indiquez le dernier jour d'absence.", "end")
    if end < start:
        raise AbsenceError("Le dernier jour doit être le premier jour ou après.", "end")
    if end < today:
        raise AbsenceError("Cette absence est entièrement passée.", "end")
    if end - start > LONGEST:
        raise AbsenceError("Une absence dure un an au plus : déclarez-en plusieurs.", "end")
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise AbsenceError(f"Motif trop long : {REASON_MAX} caractères au plus.", "reason")
    return start, end, text or None


def hit_gardes(gp: GP, start: date, end: date) -> list[Shift]:
    """The GP's published gardes not yet begun between `start` and `end` (local dates, inclusive)."""
    return eligibility.published_gardes(gp, Shift.date >= start, Shift.date <= end, Shift.starts_at > utcnow())


def add(
    gp: GP, start: date | None, end: date | None, reason: str | None, actor: User | None, today: date
) -> tuple[Absence, list[SwapRequest]]:
    """Record the absence and offer each published garde it hits on the market; the caller commits."""
    start, end, reason = clean(start, end, reason, today)
    absence = Absence(
        gp_id=gp.id, start_date=start, end_date=end, reason=reason, created_by_id=actor.id if actor else None
    )
    db.session.add(absence)
    db.session.flush()
    live = set(
        db.session.scalars(
            select(SwapRequest.shift_id).where(
                SwapRequest.from_gp_id == gp.id, SwapRequest.state.in_(("open", "taken"))
            )
        )
    )
    opened = []
    for shift in hit_gardes(gp, start, end):
        if shift.id not in live:
            opened.append(offers.offer(shift, gp, f"Absence du {date_fr(start)} au {date_fr(end)}", actor))
    audit.record(
        "absence.create", "absence", absence.id, actor=actor, gp=gp.id, start=start.isoformat(), end=end.isoformat(),
        offers=[o.id for o in opened],
    )  # fmt: skip
    return absence, opened


def remove(absence: Absence, actor: User | None) -> None:
    """Delete an absence; offers it opened stay (a colleague may already have taken the garde)."""
    audit.record("absence.delete", "absence", absence.id, actor=actor, gp=absence.gp_id)
    db.session.delete(absence)


def of_gp(gp: GP, today: date) -> list[Absence]:
    return list(
        db.session.scalars(
            select(Absence).where(Absence.gp_id == gp.id, Absence.end_date >= today).order_by(Absence.start_date)
        )
    )


def future_gardes(gp: GP) -> list[Shift]:
    """Every published garde of the GP not yet begun."""
    return hit_gardes(gp, date.min, date.max)
