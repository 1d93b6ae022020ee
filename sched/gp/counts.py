"""The GP's end-of-garde count: patients seen, of which sent by centre 15 (prefilled from the bookings), a comment."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from sched.extensions import db
from sched.forms import strip
from sched.gp import bp
from sched.gp.gardes import own_gp
from sched.models import GP, Shift, utcnow
from sched.services import counts
from sched.services.wording import shift_label

NUMBER_MESSAGE = "Indiquez un nombre entier (0 si aucun)."


class CountForm(FlaskForm):
    patients_seen = IntegerField(
        "Patients vus",
        validators=[InputRequired(NUMBER_MESSAGE), NumberRange(min=0, max=counts.MAX_PATIENTS, message=NUMBER_MESSAGE)],
        invalid_value_message=NUMBER_MESSAGE,
        render_kw={"inputmode": "numeric", "min": 0, "max": counts.MAX_PATIENTS, "type": "number", "autofocus": True},
    )
    sent_by_15 = IntegerField(
        "dont adressés par le 15",
        validators=[InputRequired(NUMBER_MESSAGE), NumberRange(min=0, max=counts.MAX_PATIENTS, message=NUMBER_MESSAGE)],
        invalid_value_message=NUMBER_MESSAGE,
        render_kw={"inputmode": "numeric", "min": 0, "max": counts.MAX_PATIENTS, "type": "number"},
    )
    comment = TextAreaField(
        "Commentaire (facultatif)",
        validators=[Optional(), Length(max=counts.COMMENT_LENGTH, message="500 caractères au plus.")],
        filters=[strip],
        render_kw={"rows": 2},
    )


def count_page(shift: Shift, gp: GP, form: CountForm, template: str, back: str):
    """GET shows the form (prefilled); POST saves the count (audited) and goes `back`, or shows the errors (422)."""
    existing = counts.find(shift, gp)
    bookings = counts.bookings_of(shift.id, gp.id)
    if not form.is_submitted():
        if existing is not None:
            form.patients_seen.data, form.sent_by_15.data = existing.patients_seen, existing.sent_by_15
            form.comment.data = existing.comment
        else:
            form.sent_by_15.data = bookings
    elif form.validate():
        try:
            counts.save(
                shift, gp, form.patients_seen.data, form.sent_by_15.data, form.comment.data,
                current_user._get_current_object(),
            )  # fmt: skip
        except counts.CountError as refusal:
            db.session.rollback()
            if refusal.field:
                getattr(form, refusal.field).errors.append(str(refusal))
            else:
                flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(f"Compte enregistré pour la {shift_label(shift)}. Merci !", "success")
            return redirect(back)
    page = render_template(
        template, shift=shift, gp=gp, form=form, existing=existing, bookings=bookings, label=shift_label(shift),
        back=back,
    )  # fmt: skip
    return page, 422 if form.errors else 200


@bp.route("/comptes")
def counts_list():
    """« Mes comptes de fin de garde »: the gardes of the last weeks, the ones still to count first."""
    gp = own_gp()
    gardes = counts.gardes_to_count(gp)
    return render_template(
        "gp/counts.html",
        missing=[g for g in gardes if g.count is None],
        given=[g for g in gardes if g.count is not None],
    )


@bp.route("/comptes/<int:shift_id>", methods=["GET", "POST"])
def count(shift_id: int):
    """The 15-second form of one garde: patients seen, of which sent by centre 15, a comment."""
    gp = own_gp()
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.period.territory_id != current_user.territory_id or not counts.on_duty(shift, gp):
        abort(404)
    if shift.starts_at > utcnow():
        flash("Cette garde n'a pas encore commencé : le compte se donne à la fin de la garde.", "error")
        return redirect(url_for("gp.counts_list"))
    return count_page(shift, gp, CountForm(), "gp/count.html", url_for("gp.counts_list"))
