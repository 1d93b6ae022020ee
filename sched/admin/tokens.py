"""Administration of the regulators' API tokens: create one (its secret shown once), list them, revoke one."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.admin import bp
from sched.admin.forms import TokenForm
from sched.extensions import db
from sched.models import ApiToken, User, UserRole, utcnow
from sched.services import audit
from sched.services.tokens import TokenError, issue_api_token


def territory_tokens():
    return (
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(User.territory_id == current_user.territory_id)
        .options(joinedload(ApiToken.user))
    )


def regulator_accounts() -> list[User]:
    """The territory's active regulator accounts: the ones a token may belong to."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.territory_id == current_user.territory_id, User.active, UserRole.role == "regulator")
            .order_by(User.full_name)
        )
    )


def token_form(blank: bool = False) -> TokenForm:
    form = TokenForm(formdata=None) if blank else TokenForm()
    form.user_id.choices = [(str(u.id), f"{u.full_name} ({u.email})") for u in regulator_accounts()]
    return form


def render_tokens(form: TokenForm, created: tuple[ApiToken, str] | None = None, status: int = 200):
    rows = db.session.scalars(territory_tokens().order_by(ApiToken.created_at.desc())).all()
    response = make_response(
        render_template("admin/tokens.html", tokens=rows, form=form, revoke_form=FlaskForm(), created=created), status
    )
    if created:
        response.headers["Cache-Control"] = "no-store"  # the secret is in this page only: never kept in a cache
    return response


@bp.route("/jetons")
def tokens():
    """The API tokens of the territory's accounts, newest first, and the form to create one."""
    return render_tokens(token_form())


@bp.post("/jetons")
def create_token():
    """Create a named token for a regulator account; its secret is shown on this page once, never stored."""
    form = token_form()
    owners = {str(u.id): u for u in regulator_accounts()}
    if form.validate_on_submit():
        owner = owners.get(form.user_id.data)
        try:
            if owner is None:
                raise TokenError("choisissez un compte de régulation actif de la CPTS", "user")
            created = issue_api_token(owner, form.name.data, actor=current_user)
        except TokenError as error:
            message = str(error)
            getattr(form, "name" if error.field == "name" else "user_id").errors.append(
                message[0].upper() + message[1:] + "."
            )
        else:
            db.session.commit()
            # Rendered, not redirected: a flash would carry the secret in the session cookie.
            return render_tokens(token_form(blank=True), created)
    return render_tokens(form, status=400)


@bp.post("/jetons/<int:token_id>/revoquer")
def revoke_token(token_id: int):
    """Revoke a token: the software using it is refused from now on."""
    token = db.session.scalar(territory_tokens().where(ApiToken.id == token_id))
    if token is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoke", "api_token", token.id, user=token.user_id)
        db.session.commit()
        flash(f"Jeton « {token.name} » de {token.user.full_name} révoqué.", "success")
    else:
        flash("Ce jeton était déjà révoqué.", "info")
    return redirect(url_for("admin.tokens"))
