"""Administration: accounts and their roles (invite, change roles, deactivate)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from sched.admin import bp
from sched.admin.forms import AccountForm, InviteForm, SearchForm
from sched.extensions import db
from sched.models import ROLE_LABELS, User, UserRole
from sched.services import accounts, audit
from sched.services.absences import future_gardes
from sched.services.accounts import AccountError, create_user, send_invitation


def territory_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.territory_id not in (None, current_user.territory_id):
        abort(404)
    return user


def render_home(invite: InviteForm):
    search = SearchForm(formdata=request.args)
    users = accounts.search_users(current_user.territory_id, search.q.data)
    return render_template(
        "admin/home.html", users=users, statuses=accounts.account_statuses(users), role_labels=ROLE_LABELS,
        invite=invite, search=search,
    )  # fmt: skip


@bp.route("/")
def home():
    """Accounts (searchable) with their roles, status and last login, and the invitation form."""
    return render_home(InviteForm())


@bp.route("/comptes/inviter", methods=["POST"])
def invite():
    """Create an account without password and e-mail it an invitation link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.full_name.data, form.roles.data, territory=current_user.territory)
        except AccountError as error:
            form.email.errors.append(str(error).capitalize() + ".")
        else:
            send_invitation(user)
            db.session.commit()
            flash(f"Invitation envoyée à {user.email}.", "success")
            return redirect(url_for("admin.home"))
    return render_home(form), 400


@bp.route("/comptes/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int):
    """Change an account's roles and whether it may log in."""
    user = territory_user(user_id)
    form = AccountForm()
    if not form.is_submitted():
        form.roles.data = user.role_names
        form.active.data = user.active
    if form.validate_on_submit():
        if user.id == current_user.id and ("admin" not in form.roles.data or not form.active.data):
            form.roles.errors.append("Vous ne pouvez pas retirer votre propre accès à l'administration.")
        elif user.active and not form.active.data and user.gp is not None and future_gardes(user.gp):
            # Never a ghost on the regulators' list: the coordination replaces each garde first.
            form.active.errors.append(
                f"{user.full_name} a encore {len(future_gardes(user.gp))} garde(s) publiée(s) : la coordination "
                "doit d'abord les faire remplacer (page « Médecins », bouton « Désactiver »)."
            )
        else:
            before = {"roles": user.role_names, "active": user.active}
            user.roles = [UserRole(role=role) for role in form.roles.data]
            if user.active and not form.active.data:
                user.end_sessions()
            user.active = form.active.data
            audit.record(
                "user.update", "user", user.id, before=before, after={"roles": form.roles.data, "active": user.active}
            )
            db.session.commit()
            flash(f"Compte de {user.full_name} mis à jour.", "success")
            return redirect(url_for("admin.home"))
    return render_account(user, form)


def render_account(user: User, form: AccountForm):
    status = accounts.account_statuses([user])[user.id]
    return render_template("admin/account.html", user=user, form=form, status=status, action_form=FlaskForm())


def account_action(user_id: int, action, done: str):
    """An e-mail sent to the account (invitation, reset link), or its refusal shown on the account's page."""
    user = territory_user(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        action(user)
    except AccountError as error:
        db.session.rollback()
        flash(str(error)[0].upper() + str(error)[1:] + ".", "error")
    else:
        db.session.commit()
        flash(done.format(email=user.email), "success")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.post("/comptes/<int:user_id>/invitation")
def resend_invitation(user_id: int):
    """Send the invitation again: a new link, the previous ones no longer work."""
    return account_action(
        user_id,
        accounts.resend_invitation,
        "Nouvelle invitation envoyée à {email} ; les liens précédents ne marchent plus.",
    )


@bp.post("/comptes/<int:user_id>/reinitialisation")
def send_reset(user_id: int):
    """E-mail the account a link to choose a new password."""
    return account_action(
        user_id, accounts.send_reset_for, "Lien de réinitialisation du mot de passe envoyé à {email}."
    )
