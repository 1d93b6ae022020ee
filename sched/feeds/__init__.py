"""iCal feeds behind secret URLs, and the pages that show those URLs (GP, coordination)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from sched.feeds import views  # noqa: E402,F401
