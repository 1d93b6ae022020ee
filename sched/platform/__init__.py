"""The platform's administration: the territories (CPTS) of the instance and their first administrator."""

from flask import Blueprint

from sched.auth.guards import guard_blueprint

bp = Blueprint("platform", __name__)
guard_blueprint(bp, "platform")

from sched.platform import views  # noqa: E402,F401
