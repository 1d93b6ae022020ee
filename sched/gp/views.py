"""GP home: periods waiting for an answer, upcoming shifts with the consultations booked on them."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from sched.extensions import db
from sched.gp import bp
from sched.models import AGE_BAND_LABELS, AvailabilityAnswer, ConsultationSlot, Period, SlotBooking, utcnow
from sched.services.availability import is_open
from sched.services.rosters import published_assignments

UPCOMING_DAYS = 62


def bookings_by_shift(shift_ids: list[int], gp_id: int) -> dict[int, list[tuple[ConsultationSlot, SlotBooking]]]:
    """Live bookings on the GP's own consultation slots of these shifts, in time order."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        select(ConsultationSlot, SlotBooking)
        .join(SlotBooking, SlotBooking.slot_id == ConsultationSlot.id)
        .where(
            ConsultationSlot.shift_id.in_(shift_ids),
            ConsultationSlot.gp_id == gp_id,
            SlotBooking.cancelled_at.is_(None),
        )
        .order_by(ConsultationSlot.starts_at)
    )
    grouped: dict[int, list] = defaultdict(list)
    for slot, booking in rows:
        grouped[slot.shift_id].append((slot, booking))
    return grouped


@bp.route("/")
def home():
    """The GP's home: periods to answer, upcoming shifts."""
    gp = current_user.gp
    periods = db.session.scalars(
        select(Period)
        .where(Period.territory_id == current_user.territory_id, Period.state == "collecting")
        .order_by(Period.start_date)
    ).all()
    answers = {}
    upcoming = []
    bookings = {}
    if gp is not None:
        answers = {
            a.period_id: a
            for a in db.session.scalars(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == gp.id))
        }
        now = utcnow()
        upcoming = published_assignments(now - timedelta(hours=4), now + timedelta(days=UPCOMING_DAYS), gp.id)
        bookings = bookings_by_shift([a.shift_id for a in upcoming], gp.id)
    return render_template(
        "gp/home.html",
        gp=gp,
        periods=periods,
        answers=answers,
        open_ids={p.id for p in periods if is_open(p)},
        upcoming=upcoming,
        bookings=bookings,
        feed_url=feed_url(),
        upcoming_days=UPCOMING_DAYS,
        age_labels=AGE_BAND_LABELS,
    )


def feed_url() -> str | None:
    """The GP's iCal page, when the feeds blueprint provides one."""
    if "feeds.gp_calendar" not in current_app.view_functions:
        return None
    try:
        return url_for("feeds.gp_calendar")
    except BuildError:
        return None
