"""Login, logout, invitations and password resets."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from sched.auth import views  # noqa: E402,F401
