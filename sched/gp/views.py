"""GP home."""

from datetime import timedelta
from sched.extensions import db
from sched.gp import bp
from sched.models import AvailabilityAnswer, Period, utcnow
from sched.services.rosters import published_assignments

from flask import render_template
from flask_login import current_user
from sqlalchemy import select


@bp.route("/")
def home():
    """The GP's home: periods to answer, upcoming shifts."""
    gp = current_user.gp
    periods = db.session.scalars(
        select(Period).where(Period.territory_id == current_user.territory_id, Period.state == "collecting")
    ).all()
    answered = set()
    upcoming = []
    if gp is not None:
        answered = set(
            db.session.scalars(select(AvailabilityAnswer.period_id).where(AvailabilityAnswer.gp_id == gp.id))
        )
        now = utcnow()
        upcoming = published_assignments(now - timedelta(hours=4), now + timedelta(days=62), gp_id=gp.id)
    return render_template("gp/home.html", gp=gp, periods=periods, answered=answered, upcoming=upcoming)
