"""Sessions end with a password change, a reset and a deactivation; the remember-me cookie expires."""

from __future__ import annotations

import time

from flask_login.utils import encode_cookie

from sched.extensions import db
from tests.factories import PASSWORD, latest_link, make_user

NEW_PASSWORD = "nouveau-secret-2027"


def logged_in(app, user, remember: bool = False):
    """A new browser logged in as `user` (ticking « rester connecté » when `remember`)."""
    browser = app.test_client()
    data = {"email": user.email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    assert browser.post("/connexion", data=data).status_code == 302
    return browser


def with_remember_cookie(app, value: str):
    """A new browser holding only a remember-me cookie, as one copied from another machine."""
    browser = app.test_client()
    browser.set_cookie("remember_token", value)
    return browser


def remember_cookie(browser) -> str:
    cookie = browser.get_cookie("remember_token")
    assert cookie is not None, "no remember-me cookie was set"
    return cookie.value


def test_password_change_ends_the_other_sessions_and_remember_cookies(app, territory):
    user = make_user(territory, "gp")
    here, elsewhere = logged_in(app, user), logged_in(app, user, remember=True)
    copied = remember_cookie(elsewhere)
    assert with_remember_cookie(app, copied).get("/gp/").status_code == 200  # the cookie alone logs in

    change = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert here.post("/gp/profil/mot-de-passe", data=change).status_code == 302

    assert here.get("/gp/").status_code == 200  # the session that changed it stays open
    assert elsewhere.get("/gp/").status_code == 302
    assert with_remember_cookie(app, copied).get("/gp/").status_code == 302


def test_password_change_keeps_this_browser_remembered(app, territory):
    user = make_user(territory, "gp")
    browser = logged_in(app, user, remember=True)
    change = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    browser.post("/gp/profil/mot-de-passe", data=change)
    assert with_remember_cookie(app, remember_cookie(browser)).get("/gp/").status_code == 200


def test_reset_ends_every_session(app, territory):
    user = make_user(territory, "coordinator")
    open_session = logged_in(app, user, remember=True)
    copied = remember_cookie(open_session)
    anonymous = app.test_client()
    anonymous.post("/mot-de-passe/oublie", data={"email": user.email})
    anonymous.post(latest_link("password_reset"), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert anonymous.get("/coordination/").status_code == 200  # the reset logs in the one who made it
    assert open_session.get("/coordination/").status_code == 302
    assert with_remember_cookie(app, copied).get("/coordination/").status_code == 302


def test_deactivation_ends_every_session_for_good(app, territory):
    admin = logged_in(app, make_user(territory, "admin"))
    user = make_user(territory, "regulator")
    open_session = logged_in(app, user, remember=True)
    copied = remember_cookie(open_session)
    for _ in range(2):  # fills the page cache read ahead of the guard, keyed by the session's CSRF token too
        assert open_session.get("/regulation/").status_code == 200
    assert admin.post(f"/admin/comptes/{user.id}", data={"roles": ["regulator"]}).status_code == 302
    db.session.refresh(user)
    assert user.active is False
    assert open_session.get("/regulation/").status_code == 302

    # Reactivated later: the account logs in again with its password, not with what was open before.
    admin.post(f"/admin/comptes/{user.id}", data={"roles": ["regulator"], "active": "y"})
    assert open_session.get("/regulation/").status_code == 302
    assert with_remember_cookie(app, copied).get("/regulation/").status_code == 302
    assert logged_in(app, user).get("/regulation/").status_code == 200


def test_remember_cookie_is_samesite_and_expires(app, territory):
    user = make_user(territory, "gp")
    browser = app.test_client()
    response = browser.post("/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header and "Expires=" in header


def test_a_remember_cookie_older_than_its_duration_is_refused(app, territory):
    user = make_user(territory, "gp")
    duration = int(app.config["REMEMBER_COOKIE_DURATION"].total_seconds())
    # The same signed value the server issues, with the login time it carries moved back.
    fresh = encode_cookie(f"{user.id}.{user.session_version}.{int(time.time()) - duration + 3600}")
    stale = encode_cookie(f"{user.id}.{user.session_version}.{int(time.time()) - duration - 60}")
    assert with_remember_cookie(app, fresh).get("/gp/").status_code == 200
    assert with_remember_cookie(app, stale).get("/gp/").status_code == 302


def test_a_session_from_before_this_version_logs_out_cleanly(app, territory):
    user = make_user(territory, "gp")
    assert with_remember_cookie(app, encode_cookie(str(user.id))).get("/gp/").status_code == 302
