"""JSON API v1 for the regulators' software: the daily list and bookings, with Bearer tokens."""

from flask import Blueprint

from sched.api.auth import require_regulator_token
from sched.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)
bp.before_request(require_regulator_token)

from sched.api import views  # noqa: E402,F401
