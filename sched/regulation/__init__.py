"""The regulators' pages: the daily list of duty centres and consultation slots, bookings."""

from flask import Blueprint

from sched.auth.guards import guard_blueprint

bp = Blueprint("regulation", __name__)
guard_blueprint(bp, "regulator")

from sched.regulation import views  # noqa: E402,F401  (registers the routes on bp)
