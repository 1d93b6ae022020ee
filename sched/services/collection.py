"""The availability collection's calendar: which periods await a reminder or their closing, who has not answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, AvailabilityAnswer, Period
from sched.services.notifications import active_gps

REMINDER_BEFORE_DEADLINE = timedelta(hours=48)
REMINDER_TEXTS = {
    "halfway": "La moitié du délai de réponse est passée.",
    "48h": "Plus que 48 heures pour répondre.",
}


def unanswered(period: Period) -> tuple[list[GP], int]:
    """Active GPs of the territory who have not answered for `period`, and how many active GPs there are."""
    gps = active_gps(period.territory_id)
    answered = set(
        db.session.scalars(select(AvailabilityAnswer.gp_id).where(AvailabilityAnswer.period_id == period.id))
    )
    return [g for g in gps if g.id not in answered], len(gps)


def collecting(now: datetime) -> list[Period]:
    """The periods still taking answers at `now`."""
    query = select(Period).where(Period.state == "collecting", Period.deadline.is_not(None), Period.deadline > now)
    return list(db.session.scalars(query.order_by(Period.id)))


def past_deadline(now: datetime) -> list[Period]:
    """The periods still collecting whose deadline has passed at `now`."""
    query = select(Period).where(Period.state == "collecting", Period.deadline.is_not(None), Period.deadline <= now)
    return list(db.session.scalars(query.order_by(Period.id)))


def reminder_due(period: Period, now: datetime) -> str | None:
    """'halfway' between opening and deadline, '48h' before the deadline, or None: which reminder is due now."""
    # A period put straight into collection (the demo, old data already migrated) counts from its creation.
    start = period.opened_at or period.created_at
    halfway = start + (period.deadline - start) / 2
    last = period.deadline - REMINDER_BEFORE_DEADLINE
    if now >= last and last > start:
        return "48h"
    if halfway <= now < last:
        return "halfway"
    return None
