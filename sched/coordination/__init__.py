"""The coordination's pages: sites, periods, GPs, solving, review, publication."""

from sched.auth.guards import guard_blueprint

from flask import Blueprint

bp = Blueprint("coordination", __name__)
guard_blueprint(bp, "coordinator")

from sched.coordination import views  # noqa: E402,F401
