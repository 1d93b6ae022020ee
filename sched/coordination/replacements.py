"""Replacements for the coordination: requests to approve, one-step replacement, deactivation, absences."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, StringField
from wtforms.validators import Length, Optional

from sched.coordination import bp
from sched.coordination.common import own_gp
from sched.coordination.forms import EmptyForm
from sched.extensions import db
from sched.gp.forms import AbsenceForm
from sched.i18n import date_fr, local
from sched.models import GP, Period, Shift, SwapRequest, utcnow
from sched.services import absences, eligibility, offers, replacements, review
from sched.services.directory import set_active
from sched.services.rosters import published_version
from sched.services.wording import plural, shift_label

DECIDED = ("approved", "refused", "declined", "cancelled", "expired")


class ReplaceForm(FlaskForm):
    to_gp_id = IntegerField(validators=[Optional()])
    reason = StringField(
        "Motif (facultatif, gardé dans le journal)",
        validators=[Optional(), Length(max=300, message="300 caractères au plus.")],
    )


def own_garde(shift_id: int) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.period.territory_id != current_user.territory_id:
        abort(404)
    return shift


def territory_requests(states: tuple[str, ...], since=None) -> list[SwapRequest]:
    query = (
        select(SwapRequest)
        .join(SwapRequest.shift)
        .join(Period, Period.id == Shift.period_id)
        .where(Period.territory_id == current_user.territory_id, SwapRequest.state.in_(states))
        .order_by(Shift.starts_at)
    )
    if since is not None:
        query = query.where(SwapRequest.created_at >= since)
    return list(db.session.scalars(query))


@bp.route("/remplacements")
def replacements_home():
    """Offers and swaps: those to approve first, then those waiting for a colleague, then recent decisions."""
    return render_template(
        "coordination/replacements.html",
        to_approve=territory_requests(("taken",)),
        waiting=territory_requests(("open",)),
        decided=territory_requests(DECIDED, utcnow() - timedelta(days=30)),
        form=EmptyForm(), what=offers.what_happened, label=shift_label,
    )  # fmt: skip


def own_request(request_id: int) -> SwapRequest:
    found = db.session.get(SwapRequest, request_id)
    if found is None or found.shift.period.territory_id != current_user.territory_id:
        abort(404)
    return found


def decide(request_id: int, action, done) -> object:
    """Approve or refuse a request: check the form, act, commit and say `done(request)`; refusals flash."""
    found = own_request(request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(found, current_user)
    except offers.OfferError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(done(found), "success")
    return redirect(url_for("coordination.replacements_home"))


@bp.route("/remplacements/<int:request_id>/valider", methods=["POST"])
def request_approve(request_id: int):
    """Approve a taken offer or an accepted swap: one new published version."""
    return decide(
        request_id,
        offers.approve,
        lambda found: f"Validé : {offers.what_happened(found)}. Planning publié, les deux médecins sont prévenus.",
    )


@bp.route("/remplacements/<int:request_id>/refuser", methods=["POST"])
def request_refuse(request_id: int):
    """Refuse a taken offer or an accepted swap: the planning stays as it is."""
    return decide(request_id, offers.refuse, lambda found: "Demande refusée ; les deux médecins sont prévenus.")


@bp.route("/remplacements/garde/<int:shift_id>", methods=["GET", "POST"])
def replace_garde(shift_id: int):
    """One garde, one GP leaving it: the eligible GPs ranked fairest first; one click replaces."""
    shift = own_garde(shift_id)
    leaving = own_gp(request.args.get("gp", type=int))
    published = leaving.id in eligibility.on_shift(shift)
    form = ReplaceForm()
    if form.validate_on_submit():
        taking = own_gp(form.to_gp_id.data) if form.to_gp_id.data else None
        try:
            done = apply(shift, leaving, taking, form.reason.data or "", published)
        except (replacements.ReplacementError, review.ReviewError) as refused:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(refused), *getattr(refused, "violations", [])]
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("coordination.review", period_id=shift.period_id) + f"#shift-{shift.id}")
    ranked = eligibility.candidates(shift, exclude={leaving.id})
    return render_template(
        "coordination/replace.html", shift=shift, leaving=leaving, ranked=ranked, form=form, published=published,
        label=shift_label(shift), past=shift.starts_at <= utcnow(),
    )  # fmt: skip


def apply(shift: Shift, leaving: GP, taking: GP | None, reason: str, published: bool) -> str:
    """Replace on the published planning (a new version at once) or in the working draft."""
    if published and taking is None:
        note = f"retrait de {leaving.name}, garde laissée sans remplaçant" + (f" : {reason}" if reason else "")
        replacements.leave_uncovered(shift, leaving, current_user, note)
        return f"{leaving.name} n'est plus sur la {shift_label(shift)} ; planning publié, la régulation est prévenue."
    if published:
        version, taking = replacements.replace(shift, leaving, taking, current_user, reason)
        return f"{taking.name} remplace {leaving.name} : planning publié, version {version.number}."
    review.remove(shift.period, shift, leaving, current_user)
    if taking is not None:
        review.assign(shift.period, shift, taking, current_user)
    return (
        f"{taking.name} remplace {leaving.name} dans le planning en relecture."
        if taking is not None
        else f"{leaving.name} n'est plus sur la garde dans le planning en relecture."
    )


@bp.route("/medecins/<int:gp_id>/desactiver", methods=["GET", "POST"])
def gp_deactivate(gp_id: int):
    """Deactivating a GP with future gardes: replace each (best-ranked colleague) or leave it uncovered."""
    gp = own_gp(gp_id)
    future = absences.future_gardes(gp)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            lines = [
                deactivation_change(shift, gp, request.form.get(f"garde-{shift.id}", "replace")) for shift in future
            ]
        except replacements.ReplacementError as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            set_active(gp, False)
            db.session.commit()
            flash(f"Le compte de {gp.name} est désactivé. " + " ".join(lines), "success")
            return redirect(url_for("coordination.directory"))
    choices = {shift.id: eligibility.candidates(shift, exclude={gp.id})[:1] for shift in future}
    return render_template(
        "coordination/deactivate.html", gp=gp, future=future, choices=choices, form=form, label=shift_label
    )


def deactivation_change(shift: Shift, gp: GP, choice: str) -> str:
    if choice == "uncovered":
        replacements.leave_uncovered(shift, gp, current_user, f"désactivation du compte de {gp.name}")
        return f"{shift_label(shift)} : laissée sans médecin, régulation prévenue."
    version, taking = replacements.replace(shift, gp, None, current_user, "désactivation")
    return f"{shift_label(shift)} : {taking.name}."


@bp.route("/medecins/<int:gp_id>/absences", methods=["GET", "POST"])
def gp_absences(gp_id: int):
    """The coordination declares an absence for a GP (phone call, e-mail); the gardes it hits are offered."""
    gp = own_gp(gp_id)
    form = AbsenceForm()
    today = local(utcnow()).date()
    if form.validate_on_submit():
        try:
            absence, opened = absences.add(gp, form.start.data, form.end.data, form.reason.data, current_user, today)
        except (absences.AbsenceError, offers.OfferError) as refused:
            db.session.rollback()
            field = getattr(form, getattr(refused, "field", None) or "end")
            field.errors = [*field.errors, str(refused)]
        else:
            db.session.commit()
            flash(
                f"Absence de {gp.name} du {date_fr(absence.start_date)} au {date_fr(absence.end_date)} enregistrée ; "
                + (
                    f"{plural(len(opened), 'garde proposée', 'gardes proposées')} à ses confrères."
                    if opened
                    else "aucune garde à proposer à ses confrères."
                ),
                "success",
            )
            return redirect(url_for("coordination.gp_absences", gp_id=gp.id))
    return render_template(
        "coordination/absences.html", gp=gp, form=form, absences=absences.of_gp(gp, today), published=published_version
    )
