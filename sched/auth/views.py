"""Login, logout, invitation and reset views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from sched.auth import bp
from sched.auth.forms import ForgotPasswordForm, LoginForm, LogoutForm, SetPasswordForm
from sched.auth.guards import home_endpoint
from sched.extensions import db, limiter
from sched.models import User, utcnow
from sched.services import accounts, audit
from sched.services.passwords import hash_password, needs_rehash, verify_password


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_rate_key() -> str:
    """Limit per address and per account tried, so one account cannot be guessed from many addresses."""
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


@bp.route("/")
def index():
    """Home: each role lands on its own page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=login_rate_key)
def login():
    """Log in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            audit.record("user.login", "user", user.id, actor=user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        verify_password(None, form.password.data or "")
        form.password.errors.append("Adresse e-mail ou mot de passe incorrect.")
    return render_template("auth/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF token)."""
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("Vous êtes déconnecté.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(form.email.data)))
        if user is not None and user.active:
            accounts.send_reset(user)
            db.session.commit()
        flash(
            "Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé.",
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def password_link_view(purpose: str, token: str, title: str, done: str):
    link = accounts.find_link(token, purpose)
    if link is None:
        return render_template("auth/link_invalid.html", title=title), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = accounts.set_password_with_link(link, form.password.data)
        db.session.commit()
        login_user(user)
        flash(done, "success")
        return redirect(url_for(home_endpoint(user)))
    return render_template("auth/set_password.html", form=form, title=title, user=link.user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set a first password from an invitation link (single use, expiring)."""
    return password_link_view(
        "invite", token, "Bienvenue : choisissez votre mot de passe", "Votre compte est prêt. Bienvenue !"
    )


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""
    return password_link_view("reset", token, "Nouveau mot de passe", "Votre mot de passe a été changé.")


@bp.route("/sans-role")
@login_required
def no_role():
    """An account without any role yet."""
    return render_template("auth/no_role.html")
