"""The GP's pages: availability, own shifts, profile."""

from sched.auth.guards import guard_blueprint

from flask import Blueprint

bp = Blueprint("gp", __name__)
guard_blueprint(bp, "gp")

from sched.gp import views  # noqa: E402,F401
