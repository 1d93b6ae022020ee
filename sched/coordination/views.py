"""Coordination home."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp
from sched.extensions import db
from sched.models import Period


@bp.route("/")
def home():
    """The coordination's home: periods and their state."""
    periods = db.session.scalars(
        select(Period).where(Period.territory_id == current_user.territory_id).order_by(Period.start_date.desc())
    ).all()
    return render_template("coordination/home.html", periods=periods)
