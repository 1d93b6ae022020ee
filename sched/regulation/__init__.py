"""The regulators' pages: the daily list of duty centres and consultation slots, bookings."""

from sched.auth.guards import guard_blueprint

from flask import Blueprint

bp = Blueprint("regulation", __name__)
guard_blueprint(bp, "regulator")

from sched.regulation import views  # noqa: E402,F401
