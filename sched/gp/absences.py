"""The GP's absences (leave, training): declared here, seen by the solver, gardes they hit offered."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sched.extensions import db
from sched.gp import bp
from sched.gp.forms import AbsenceForm, OfferForm
from sched.i18n import date_fr, local
from sched.models import Absence, utcnow
from sched.services import absences, offers
from sched.services.wording import shift_label


def today():
    return local(utcnow()).date()


@bp.route("/absences", methods=["GET", "POST"])
def absence_list():
    """Declare an absence; the gardes it hits are offered to the colleagues who can take them."""
    gp = current_user.gp
    if gp is None:
        abort(404)
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            absence, opened = absences.add(gp, form.start.data, form.end.data, form.reason.data, current_user, today())
        except (absences.AbsenceError, offers.OfferError) as refused:
            db.session.rollback()
            field = getattr(form, getattr(refused, "field", None) or "end")
            field.errors = [*field.errors, str(refused)]
        else:
            db.session.commit()
            flash(f"Absence enregistrée du {date_fr(absence.start_date)} au {date_fr(absence.end_date)}.", "success")
            if opened:
                flash(
                    f"{len(opened)} garde(s) de cette période proposée(s) à vos confrères : "
                    + " ; ".join(shift_label(o.shift) for o in opened)
                    + ". Vous restez de garde tant qu'elles ne sont pas reprises.",
                    "warning",
                )
            return redirect(url_for("gp.absence_list"))
    hit = {a.id: absences.hit_gardes(gp, a.start_date, a.end_date) for a in absences.of_gp(gp, today())}
    return render_template(
        "gp/absences.html", form=form, absences=absences.of_gp(gp, today()), hit=hit, delete_form=OfferForm()
    )


@bp.route("/absences/<int:absence_id>/supprimer", methods=["POST"])
def absence_delete(absence_id: int):
    """Delete one of the GP's absences."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or current_user.gp is None or absence.gp_id != current_user.gp.id:
        abort(404)
    if not OfferForm().validate_on_submit():
        abort(400)
    absences.remove(absence, current_user)
    db.session.commit()
    flash("Absence supprimée. Les gardes déjà proposées le restent : retirez-les depuis « Mes gardes ».", "success")
    return redirect(url_for("gp.absence_list"))
