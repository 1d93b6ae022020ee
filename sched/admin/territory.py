"""Administration of the territory's settings: FINESS, the addresses the app writes to, the funded hours."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.admin import bp
from sched.admin.forms import TerritoryForm
from sched.extensions import db
from sched.models import Territory
from sched.services.territories import audit_update

SETTINGS = (
    "name",
    "finess",
    "regulators_email",
    "coordination_email",
    "ars_email",
    "funded_hours_month",
    "auto_approve_swaps",
)


@bp.route("/territoire", methods=["GET", "POST"])
def territory():
    """The CPTS's settings; an error is shown next to its field and nothing is saved."""
    place = current_user.territory
    form = TerritoryForm(obj=place)
    if form.validate_on_submit():
        same_name = select(Territory.id).where(Territory.name == form.name.data, Territory.id != place.id)
        taken = db.session.scalar(same_name)
        if taken is not None:
            form.name.errors.append("Une autre CPTS porte déjà ce nom.")
        else:
            before = {key: getattr(place, key) for key in SETTINGS}
            for key in SETTINGS:
                value = getattr(form, key).data
                setattr(place, key, None if value == "" else value)
            audit_update(place, before)
            db.session.commit()
            flash("Paramètres de la CPTS enregistrés.", "success")
            return redirect(url_for("admin.territory"))
    return render_template("admin/territory.html", form=form), 400 if form.errors else 200
