"""Administration: accounts, roles, territory settings."""

from flask import Blueprint

from sched.auth.guards import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin")

from sched.admin import territory, tokens, views  # noqa: E402,F401
