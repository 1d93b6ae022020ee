"""Login, logout, invitation and reset views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from sched.auth import bp, sessions
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


def login_account_key() -> str:
    """The account tried, whatever the address: one account cannot be guessed from many addresses."""
    return "account:" + accounts.normalise_email(request.form.get("email") or "")


def login_address_key() -> str:
    """The client's address (the proxy's view of it when PROXY_COUNT says one is trusted)."""
    return f"address:{request.remote_addr}"


@bp.route("/")
def index():
    """Home: each role lands on its own page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=login_account_key)
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"], key_func=login_address_key)
def login():
    """Log in with e-mail and password."""
    form = LoginForm()
    refused = None  # one message above the form: "wrong" (address or password) or "deactivated"
    if form.validate_on_submit():
        person = accounts.find_person(form.email.data)
        # Exactly one hash per attempt (against a dummy one without an account): the time tells nothing.
        if verify_password(person.password_hash if person else None, form.password.data) and person is not None:
            user = sessions.first_account(person)
            if not user.active:
                # Only whoever knows the password learns that the account is deactivated, and whom to ask.
                audit.record("user.login_deactivated", "user", user.id, actor=user)
                db.session.commit()
                return render_login(form, "deactivated", user)
            if needs_rehash(person.password_hash):
                person.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            audit.record("user.login", "user", user.id, actor=user)
            db.session.commit()
            sessions.start(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        refused = "wrong"
    return render_login(form, refused)


def render_login(form: LoginForm, refused: str | None, user: User | None = None):
    if refused:
        # The cursor back in the password field, which names the message above the form.
        form.password.render_kw = {"autofocus": True, "aria-describedby": "login-refused"}
    contact = user.territory.coordination_email if user is not None and user.territory else None
    return render_template("auth/login.html", form=form, refused=refused, contact=contact)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF token)."""
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("Vous êtes déconnecté.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/compte/cpts", methods=["POST"])
@login_required
def switch_account():
    """Go to the person's account in another CPTS (the header's list): the same login, that CPTS's pages."""
    target = request.form.get("account", type=int)
    account = next((a for a in current_user.sibling_accounts() if a.id == target), None)
    if not LogoutForm().validate_on_submit() or account is None:
        flash("Cette CPTS ne fait pas partie de vos comptes.", "error")
        return redirect(url_for("auth.index")), 303
    account.last_login_at = utcnow()
    audit.record("user.switch", "user", account.id, actor=account, left=current_user.id)
    db.session.commit()
    sessions.start(account, remember=sessions.remembered())
    name = account.territory.name if account.territory else "la plateforme"
    flash(f"Vous êtes maintenant dans {name}.", "success")
    return redirect(url_for(home_endpoint(account)), 303)


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        person = accounts.find_person(email)
        user = sessions.first_account(person) if person is not None else None
        # The same work either way (a link, both bodies rendered, one audited commit): the time tells nothing.
        if user is not None and user.active:
            accounts.send_reset(user)
        else:
            accounts.render_reset(User(email=email, full_name=email))
        audit.record("user.reset_request", "user", user.id if user else None)
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
        sessions.start(user)
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
