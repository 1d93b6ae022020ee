"""The coordination's pages: sites, periods, GPs, solving, review, publication."""

from flask import Blueprint

from sched.auth.guards import guard_blueprint

bp = Blueprint("coordination", __name__)
guard_blueprint(bp, "coordinator")

from sched.coordination import (  # noqa: E402,F401
    collection,
    directory,
    periods,
    publishing,
    replacements,
    reports,
    review,
    sites,
    solve,
    views,
)
