"""Login manager and role guards: anonymous → login with `next`, wrong role → 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.auth import recovery, sessions
from sched.extensions import login_manager
from sched.models import User

SESSION_USER = select(User).options(joinedload(User.roles), joinedload(User.territory))

ROLE_HOMES = {
    "coordinator": "coordination.home",
    "regulator": "regulation.home",
    "gp": "gp.home",
    "admin": "admin.home",
    "platform": "platform.home",
}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # Every page needs the roles (guards, menu) and the territory (footer): one query instead of three.
        return sessions.load_user(session_id, SESSION_USER)


def home_endpoint(user: User) -> str:
    """The page a user lands on after login: their first role in the order of ROLE_HOMES."""
    for role, endpoint in ROLE_HOMES.items():
        if user.has_role(role):
            return endpoint
    return "auth.no_role"


def check_role(*roles: str):
    if not current_user.is_authenticated:
        if recovery.recoverable():
            return recovery.keep_and_redirect()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.has_role(*roles):
        abort(403)
    return None


def guard_blueprint(bp: Blueprint, *roles: str) -> None:
    """Every view of `bp` requires one of `roles`."""
    bp.before_request(lambda: check_role(*roles))


def role_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            refused = check_role(*roles)
            return refused if refused is not None else view(*args, **kwargs)

        return wrapped

    return decorator
