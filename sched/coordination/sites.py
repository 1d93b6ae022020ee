"""Cabinets de garde and their shift templates."""

from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp
from sched.coordination.common import own_site
from sched.coordination.forms import EmptyForm, SiteForm, TemplateForm
from sched.extensions import db
from sched.models import ShiftTemplate, Site
from sched.services import audit
from sched.services.identity import normalise_phone

DEFAULT_TEMPLATES = [
    ("Soir de semaine", 0b0011111, time(18), time(20)),
    ("Samedi matin", 0b0100000, time(9), time(13)),
]


@bp.route("/cabinets")
def sites():
    """The territory's cabinets de garde."""
    rows = db.session.scalars(
        select(Site).where(Site.territory_id == current_user.territory_id).order_by(Site.name)
    ).all()
    return render_template("coordination/sites.html", sites=rows)


def save_site(form: SiteForm, site: Site | None) -> Site | None:
    """Copy the form into `site` (a new one when None); None when a field is wrong (errors on the form)."""
    try:
        phone = normalise_phone(form.phone.data)
    except ValueError as error:
        form.phone.errors.append(str(error))
        return None
    taken = db.session.scalar(
        select(Site.id).where(Site.territory_id == current_user.territory_id, Site.name == form.name.data.strip())
    )
    if taken is not None and (site is None or taken != site.id):
        form.name.errors.append("Un cabinet de garde porte déjà ce nom.")
        return None
    created = site is None
    if created:
        site = Site(territory_id=current_user.territory_id)
        site.templates = [
            ShiftTemplate(label=label, weekday_mask=mask, start_time=start, end_time=end,
                          min_gps=1, target_gps=1, priority=1, slot_minutes=20)
            for label, mask, start, end in DEFAULT_TEMPLATES
        ]  # fmt: skip
        db.session.add(site)
    site.name, site.address = form.name.data.strip(), form.address.data.strip()
    site.postal_code, site.city = form.postal_code.data.strip(), form.city.data.strip()
    site.phone, site.rooms, site.active = phone, form.rooms.data, form.active.data
    site.sas_public, site.sas_pro = form.sas_public.data, form.sas_pro.data
    db.session.flush()
    audit.record(
        "site.create" if created else "site.update", "site", site.id,
        name=site.name, sas_public=site.sas_public, sas_pro=site.sas_pro,
    )  # fmt: skip
    return site


@bp.route("/cabinets/nouveau", methods=["GET", "POST"])
def site_new():
    """Add a cabinet de garde (with the default templates: weekdays 18–20 h, Saturday 9–13 h)."""
    form = SiteForm()
    if form.validate_on_submit() and (site := save_site(form, None)) is not None:
        db.session.commit()
        flash(f"Cabinet de garde « {site.name} » créé avec les gardes par défaut.", "success")
        return redirect(url_for("coordination.site", site_id=site.id))
    return render_template("coordination/site.html", form=form, site=None)


@bp.route("/cabinets/<int:site_id>", methods=["GET", "POST"])
def site(site_id: int):
    """Edit a cabinet de garde; its shift templates."""
    site = own_site(site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit() and save_site(form, site) is not None:
        db.session.commit()
        flash("Cabinet de garde enregistré.", "success")
        return redirect(url_for("coordination.site", site_id=site.id))
    return render_template(
        "coordination/site.html", form=form, site=site, template_form=TemplateForm(), empty_form=EmptyForm()
    )


@bp.route("/cabinets/<int:site_id>/modeles", methods=["POST"])
def template_add(site_id: int):
    """Add a shift template to the site."""
    site = own_site(site_id)
    form = TemplateForm()
    if not form.validate_on_submit():
        return render_template(
            "coordination/site.html", form=SiteForm(obj=site), site=site, template_form=form, empty_form=EmptyForm()
        ), 422
    template = ShiftTemplate(
        site_id=site.id, label=form.label.data.strip(), weekday_mask=sum(1 << d for d in form.weekdays.data),
        start_time=form.start_time.data, end_time=form.end_time.data, min_gps=form.min_gps.data,
        target_gps=form.target_gps.data, priority=form.priority.data, slot_minutes=form.slot_minutes.data,
    )  # fmt: skip
    db.session.add(template)
    db.session.flush()
    audit.record("template.create", "shift_template", template.id, site=site.id, label=template.label)
    db.session.commit()
    flash("Modèle de garde ajouté.", "success")
    return redirect(url_for("coordination.site", site_id=site.id))


@bp.route("/cabinets/<int:site_id>/modeles/<int:template_id>/activation", methods=["POST"])
def template_toggle(site_id: int, template_id: int):
    """Switch a template off (no new shifts from it) or on again."""
    site = own_site(site_id)
    template = db.session.get(ShiftTemplate, template_id)
    if template is None or template.site_id != site.id or not EmptyForm().validate_on_submit():
        abort(404)
    template.active = not template.active
    audit.record("template.toggle", "shift_template", template.id, active=template.active)
    db.session.commit()
    flash("Modèle activé." if template.active else "Modèle désactivé.", "success")
    return redirect(url_for("coordination.site", site_id=site.id))
