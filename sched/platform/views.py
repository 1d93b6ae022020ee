"""The platform administrator's pages: the territories of the instance, each one's settings and administrators."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import Period, Site, Territory, User, UserRole
from sched.platform import bp
from sched.platform.forms import InviteAdminForm, PlatformTerritoryForm
from sched.services.accounts import AccountError, create_user, send_invitation
from sched.services.territories import SETTINGS, TerritoryError, audit_update, create_territory, save_territory


def counted(column, model):
    return select(func.count(column)).where(model.territory_id == Territory.id).correlate(Territory).scalar_subquery()


@bp.route("/")
def home():
    """Every territory of the instance with its zone, holidays and size."""
    rows = db.session.execute(
        select(
            Territory,
            counted(User.id, User).label("people"),
            counted(Site.id, Site).label("sites"),
            counted(Period.id, Period).label("periods"),
        ).order_by(Territory.name)
    ).all()
    return render_template("platform/home.html", rows=rows)


def save(form: PlatformTerritoryForm, territory: Territory | None) -> Territory | None:
    """The form's territory saved (None, with the error next to its field, when refused)."""
    values = dict(
        name=form.name.data,
        timezone=form.timezone.data,
        subdivision=form.subdivision.data,
        department=form.department.data,
        **{key: getattr(form, key).data for key in SETTINGS},
    )
    try:
        if territory is None:
            return create_territory(**values)
        before = {key: getattr(territory, key) for key in ("name", "timezone", "subdivision", "department", *SETTINGS)}
        save_territory(territory, **values)
        audit_update(territory, before)
        return territory
    except TerritoryError as error:
        db.session.rollback()
        message = str(error)
        getattr(form, error.field).errors.append(message[0].upper() + message[1:] + ".")
        return None


@bp.route("/territoires/nouveau", methods=["GET", "POST"])
def new_territory():
    """Create a territory; its page then invites its first administrator."""
    form = PlatformTerritoryForm()
    if form.validate_on_submit() and (territory := save(form, None)) is not None:
        db.session.commit()
        flash(f"{territory.name} créée. Invitez maintenant son administrateur.", "success")
        return redirect(url_for("platform.territory", territory_id=territory.id))
    return render_template("platform/territory.html", form=form, territory=None), 400 if form.errors else 200


def render_territory(territory: Territory, form: PlatformTerritoryForm, invite: InviteAdminForm):
    admins = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(User.territory_id == territory.id, UserRole.role == "admin")
        .order_by(User.full_name)
    ).all()
    status = 400 if form.errors or invite.errors else 200
    return render_template(
        "platform/territory.html", form=form, invite=invite, territory=territory, admins=admins
    ), status


@bp.route("/territoires/<int:territory_id>", methods=["GET", "POST"])
def territory(territory_id: int):
    """A territory's identity, zone, holidays and settings."""
    place = db.get_or_404(Territory, territory_id)
    form = PlatformTerritoryForm(obj=place)
    if not form.is_submitted():
        form.subdivision.data = place.subdivision or ""
    if form.validate_on_submit() and save(form, place) is not None:
        db.session.commit()
        flash(f"{place.name} enregistrée.", "success")
        return redirect(url_for("platform.territory", territory_id=place.id))
    return render_territory(place, form, InviteAdminForm(formdata=None))


@bp.post("/territoires/<int:territory_id>/inviter")
def invite_admin(territory_id: int):
    """Invite the territory's administrator (who then invites its coordination, regulators and GPs)."""
    place = db.get_or_404(Territory, territory_id)
    invite = InviteAdminForm()
    if invite.validate_on_submit():
        try:
            user = create_user(invite.email.data, invite.full_name.data, ["admin"], territory=place)
        except AccountError as error:
            db.session.rollback()
            invite.email.errors.append(str(error).capitalize() + ".")
        else:
            send_invitation(user)
            db.session.commit()
            flash(f"Invitation envoyée à {user.email}, administrateur de {place.name}.", "success")
            return redirect(url_for("platform.territory", territory_id=place.id))
    form = PlatformTerritoryForm(obj=place, formdata=None)
    form.subdivision.data = place.subdivision or ""
    return render_territory(place, form, invite)
