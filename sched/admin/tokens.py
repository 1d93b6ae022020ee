"""Administration of the regulators' API tokens: list them, revoke one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.admin import bp
from sched.extensions import db
from sched.models import ApiToken, User, utcnow
from sched.services import audit


def territory_tokens():
    return (
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(User.territory_id == current_user.territory_id)
        .options(joinedload(ApiToken.user))
    )


@bp.route("/jetons")
def tokens():
    """The API tokens of the territory's accounts, newest first."""
    rows = db.session.scalars(territory_tokens().order_by(ApiToken.created_at.desc())).all()
    return render_template("admin/tokens.html", tokens=rows, form=FlaskForm())


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
