"""The GP's profile: phone and e-mail, password, default limits and duty centres."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.auth import sessions
from sched.extensions import db
from sched.gp import bp
from sched.gp.forms import ContactForm, DefaultsForm, PasswordChangeForm
from sched.i18n import phone_fr
from sched.models import Site
from sched.services import audit
from sched.services.accounts import find_person, normalise_email
from sched.services.identity import normalise_phone
from sched.services.passwords import hash_password, verify_password
from sched.services.sms import is_mobile


def territory_sites() -> list[Site]:
    return list(
        db.session.scalars(
            select(Site)
            .where(Site.territory_id == current_user.territory_id, Site.active.is_(True))
            .order_by(Site.name)
        )
    )


def defaults_form(formdata=None) -> DefaultsForm:
    gp = current_user.gp
    data = {
        "max_shifts": gp.max_shifts,
        "max_per_week": gp.max_per_week,
        "max_saturdays": gp.max_saturdays,
        "sites": [site.id for site in gp.sites],
    }
    form = DefaultsForm(formdata=formdata, data=data)
    form.sites.choices = [(site.id, site.name) for site in territory_sites()]
    return form


def render_profile(contact=None, password=None, defaults=None, status: int = 200):
    user = current_user
    gp = user.gp
    contact = contact or ContactForm(
        formdata=None,
        data={"email": user.email, "phone": gp.phone if gp else "", "sms_opt_in": gp.sms_opt_in if gp else False},
    )
    if contact.phone.data and not contact.errors:
        contact.phone.data = phone_display(contact.phone.data)
    return (
        render_template(
            "gp/profile.html",
            contact=contact,
            sms_possible=is_mobile(gp.phone) if gp else None,
            password=password or PasswordChangeForm(formdata=None),
            defaults=defaults or (defaults_form(formdata=None) if user.gp else None),
        ),
        status,
    )


def phone_display(value: str) -> str:
    return phone_fr(value) if value.startswith("+") else value


@bp.route("/profil")
def profile():
    """The GP's profile page: three small forms."""
    return render_profile()


@bp.route("/profil/coordonnees", methods=["POST"])
def profile_contact():
    """Change phone (stored in international form), e-mail (unique, lowercased) and the SMS choice."""
    form = ContactForm()
    if not form.validate_on_submit():
        return render_profile(contact=form, status=422)
    try:
        phone = normalise_phone(form.phone.data)
    except ValueError as error:
        form.phone.errors.append(str(error))
        return render_profile(contact=form, status=422)
    if form.sms_opt_in.data and not is_mobile(phone):
        form.sms_opt_in.errors.append("Les SMS ne partent que vers un numéro de portable (06 ou 07).")
        return render_profile(contact=form, status=422)
    email = normalise_email(form.email.data)
    owner = find_person(email)
    if owner is not None and owner.id != current_user.person_id:
        form.email.errors.append("Cette adresse e-mail est déjà utilisée par un autre compte.")
        return render_profile(contact=form, status=422)
    user = current_user._get_current_object()
    changes = {}
    if email != user.email:
        changes["email"] = [user.email, email]
        user.email = email
    if user.gp is not None and phone != user.gp.phone:
        changes["phone"] = [user.gp.phone, phone]
        user.gp.phone = phone
    if user.gp is not None and form.sms_opt_in.data != user.gp.sms_opt_in:
        changes["sms_opt_in"] = [user.gp.sms_opt_in, form.sms_opt_in.data]
        user.gp.sms_opt_in = form.sms_opt_in.data
    if changes:
        audit.record("user.contact_change", "user", user.id, **changes)
        db.session.commit()
        flash("Coordonnées enregistrées.", "success")
    else:
        flash("Aucun changement dans vos coordonnées.", "info")
    return redirect(url_for("gp.profile"))


@bp.route("/profil/mot-de-passe", methods=["POST"])
def profile_password():
    """Change one's password: the current one is required."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_profile(password=form, status=422)
    user = current_user._get_current_object()
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors.append("Mot de passe actuel incorrect.")
        return render_profile(password=form, status=422)
    user.password_hash = hash_password(form.new.data)
    audit.record("user.password_change", "user", user.id)
    sessions.end_others(user)
    db.session.commit()
    flash("Mot de passe modifié.", "success")
    return redirect(url_for("gp.profile"))


@bp.route("/profil/preferences", methods=["POST"])
def profile_defaults():
    """Default limits (prefilled in each new answer) and the duty centres."""
    gp = current_user.gp
    if gp is None:
        abort(404)
    form = defaults_form(formdata=request.form)
    if not form.validate_on_submit():
        return render_profile(defaults=form, status=422)
    if not form.sites.data:
        form.sites.errors.append("Choisissez au moins un cabinet de garde.")
        return render_profile(defaults=form, status=422)
    sites = [site for site in territory_sites() if site.id in set(form.sites.data)]
    gp.max_shifts = form.max_shifts.data
    gp.max_per_week = form.max_per_week.data
    gp.max_saturdays = form.max_saturdays.data
    gp.sites = sites
    audit.record(
        "gp.defaults_change",
        "gp",
        gp.id,
        max_shifts=gp.max_shifts,
        max_per_week=gp.max_per_week,
        max_saturdays=gp.max_saturdays,
        sites=[site.id for site in sites],
    )
    db.session.commit()
    flash("Préférences enregistrées.", "success")
    return redirect(url_for("gp.profile"))
