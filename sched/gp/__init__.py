"""The GP's pages: availability, own shifts, profile."""

from flask import Blueprint

from sched.auth.guards import guard_blueprint

bp = Blueprint("gp", __name__)
guard_blueprint(bp, "gp")

from sched.gp import absences, answer, counts, gardes, profile, views  # noqa: E402,F401
