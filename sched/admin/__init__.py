"""Administration: accounts, roles, territory settings."""

from sched.auth.guards import guard_blueprint

from flask import Blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin")

from sched.admin import tokens, views  # noqa: E402,F401
