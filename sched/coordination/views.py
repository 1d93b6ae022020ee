"""Coordination home."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from sched.coordination import bp
from sched.extensions import db
from sched.models import Period, Shift, SwapRequest


@bp.route("/")
def home():
    """The coordination's home: periods and their state."""
    periods = db.session.scalars(
        select(Period).where(Period.territory_id == current_user.territory_id).order_by(Period.start_date.desc())
    ).all()
    pending = db.session.scalar(
        select(func.count(SwapRequest.id))
        .join(Shift, Shift.id == SwapRequest.shift_id)
        .join(Period, Period.id == Shift.period_id)
        .where(Period.territory_id == current_user.territory_id, SwapRequest.state == "taken")
    )
    return render_template("coordination/home.html", periods=periods, pending_requests=pending)
