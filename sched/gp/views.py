"""GP home: periods waiting for an answer, every future garde by month with its bookings and offers."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from sched.extensions import db
from sched.gp import bp, gardes
from sched.models import AGE_BAND_LABELS, AvailabilityAnswer, Period, utcnow
from sched.services.availability import is_open


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
    upcoming, bookings, requests, proposed = [], {}, {}, []
    if gp is not None:
        answers = {
            a.period_id: a
            for a in db.session.scalars(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == gp.id))
        }
        now = utcnow()
        upcoming = gardes.upcoming(gp, now)
        bookings = gardes.bookings_by_shift([a.shift_id for a in upcoming], gp.id)
        requests = gardes.live_requests(gp)
        proposed = gardes.offers_for(gp, now)
    return render_template(
        "gp/home.html",
        gp=gp,
        periods=periods,
        answers=answers,
        open_ids={p.id for p in periods if is_open(p)},
        months=gardes.by_month(upcoming),
        now=utcnow(),
        bookings=bookings,
        requests=requests,
        proposed=proposed,
        feed_url=feed_url(),
        others=gardes.other_territories(current_user, utcnow()),
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
