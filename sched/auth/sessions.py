"""Sessions and remember-me cookies carry "user id . session version . login time" (Flask-Login's alternative token).

Flask-Login signs that value into the session and the remember-me cookie; the user loader accepts it only while
the account is active, its session version unchanged (a password change, a reset or a deactivation raises it)
and the login younger than REMEMBER_COOKIE_DURATION — a copied cookie cannot outlive any of the three.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user
from sqlalchemy import Select

from sched.extensions import db
from sched.models import Person, User, utcnow


def claim(session_id: str) -> tuple[int, int] | None:
    """(user id, session version) of a login younger than REMEMBER_COOKIE_DURATION, else None.

    The caller still checks the version against the account's, as `load_user` does.
    """
    parts = session_id.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None  # a session from before this format, or not ours
    user_id, version, issued = (int(part) for part in parts)
    if utcnow().timestamp() - issued > current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    return user_id, version


def load_user(session_id: str, query: Select[tuple[User]]) -> User | None:
    """The account behind a session or remember-me cookie, if that login still holds."""
    claimed = claim(session_id)
    if claimed is None:
        return None
    user = db.session.execute(query.where(User.id == claimed[0])).unique().scalar_one_or_none()
    if user is None or user.session_version != claimed[1] or not user.active:
        return None
    user.login_issued = int(session_id.rsplit(".", 1)[1])
    return user


def start(user: User, remember: bool = False) -> None:
    """Log `user` in on this browser, from now."""
    user.login_issued = int(utcnow().timestamp())
    login_user(user, remember=remember)


def first_account(person: Person) -> User:
    """The account a login opens: the person's active one used last (their other CPTS are a click away)."""
    accounts = sorted(
        person.accounts, key=lambda a: (a.active, a.last_login_at is not None, a.last_login_at or 0, -a.id)
    )
    return accounts[-1]


def remembered() -> bool:
    return request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")) is not None


def end_others(user: User) -> None:
    """End every session and remember-me cookie of the person but this browser's (after a password change)."""
    user.end_person_sessions()
    start(user, remember=remembered())
