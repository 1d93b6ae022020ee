"""Review of a planning: calendar sites × days, diagnosis of uncovered shifts, fairness, manual changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp, tables
from sched.coordination.common import form_errors_text, own_gp, own_period, own_shift
from sched.coordination.forms import AssignForm, ChangeForm, EmptyForm, SolveForm
from sched.extensions import db
from sched.models import GP, Availability, Period, RosterVersion, User
from sched.services import review as service
from sched.services import scheduling, wording
from sched.services.rosters import published_version
from sched.services.solving import active_request


def shown_version(period: Period) -> RosterVersion | None:
    """?version=N, else the working draft, else the published planning."""
    number = request.args.get("version", type=int)
    if number is not None:
        version = db.session.scalar(
            select(RosterVersion).where(RosterVersion.period_id == period.id, RosterVersion.number == number)
        )
        if version is None:
            abort(404)
        return version
    return service.working_draft(period) or published_version(period)


def diagnoses(period: Period, version: RosterVersion | None) -> dict[int, str]:
    """Shift id → why it stays below min, worded from the solver's diagnosis, with names."""
    if version is None:
        return {}
    names = wording.Names(period)
    return {scheduling.parse_key(d.shift): wording.diagnosis_fr(d, names) for d in scheduling.diagnoses_of(version)}


@bp.route("/periodes/<int:period_id>/planning")
def review(period_id: int):
    """The planning of the period as a calendar, with its diagnosis, fairness and change forms."""
    period = own_period(period_id)
    version = shown_version(period)
    draft = service.working_draft(period)
    sites, days, cells = tables.calendar(period, version)
    gps = db.session.scalars(
        select(GP).join(GP.user).where(User.territory_id == current_user.territory_id, GP.active)
        .order_by(User.full_name)
    ).all()  # fmt: skip
    levels = {
        (a.gp_id, a.shift_id): a.level
        for a in db.session.scalars(
            select(Availability).where(Availability.shift_id.in_([s.id for s in period.shifts]))
        )
    }
    assign_form = AssignForm()
    assign_form.gp_id.choices = [(g.id, g.name) for g in gps]
    return render_template(
        "coordination/review.html", period=period, version=version, draft=draft,
        published=published_version(period), sites=sites, days=days, cells=cells,
        diagnoses=diagnoses(period, version), fairness=tables.fairness(period, version) if version else [],
        gps=gps, levels=levels, assign_form=assign_form, change_form=ChangeForm(), empty_form=EmptyForm(),
        solve_form=SolveForm(), running=active_request(period),
        violations=service.check_draft(period, draft) if draft else [],
    )  # fmt: skip


def back(period: Period, anchor: str = ""):
    return redirect(url_for("coordination.review", period_id=period.id) + (f"#{anchor}" if anchor else ""))


@bp.route("/periodes/<int:period_id>/planning/affecter", methods=["POST"])
def review_assign(period_id: int):
    """Put a GP on a shift; a rule may be broken only with a written reason (pinned and audited)."""
    period = own_period(period_id)
    form = AssignForm()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return back(period)
    shift, gp = own_shift(period, form.shift_id.data), own_gp(form.gp_id.data)
    try:
        broken = service.assign(period, shift, gp, current_user, form.pin.data, form.reason.data or "")
    except service.ReviewError as refusal:
        db.session.rollback()
        flash(" ".join([str(refusal), *refusal.violations]), "error")
        if refusal.violations:
            flash("Pour passer outre, écrivez la raison de la dérogation et validez de nouveau.", "warning")
        return back(period, f"shift-{shift.id}")
    db.session.commit()
    if broken:
        flash(
            f"{gp.name} affecté(e) par dérogation ; règles enfreintes : " + " ".join(broken)
            + " Le solveur signalera cette épingle comme impossible.", "warning",
        )  # fmt: skip
    else:
        flash(f"{gp.name} affecté(e) à la {wording.shift_label(shift)}.", "success")
    return back(period, f"shift-{shift.id}")


def apply_change(period_id: int, action, done):
    """The remove/pin buttons: check the form, run `action`, commit and say `done(result)`; refusals flash."""
    period = own_period(period_id)
    form = ChangeForm()
    if not form.validate_on_submit():
        abort(400)
    shift, gp = own_shift(period, form.shift_id.data), own_gp(form.gp_id.data)
    try:
        result = action(period, shift, gp, form)
    except service.ReviewError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return back(period)
    db.session.commit()
    flash(done(gp, shift, result), "success")
    return back(period, f"shift-{shift.id}")


@bp.route("/periodes/<int:period_id>/planning/retirer", methods=["POST"])
def review_remove(period_id: int):
    """Take a GP off a shift (a withdrawal also marks them unavailable for it)."""
    return apply_change(
        period_id,
        lambda period, shift, gp, form: service.remove(period, shift, gp, current_user, form.withdrawal.data),
        lambda gp, shift, _: f"{gp.name} retiré(e) de la {wording.shift_label(shift)}.",
    )


@bp.route("/periodes/<int:period_id>/planning/epingler", methods=["POST"])
def review_pin(period_id: int):
    """Pin (or unpin) an assignment: a re-solve keeps it."""
    return apply_change(
        period_id,
        lambda period, shift, gp, form: service.toggle_pin(period, shift, gp, current_user),
        lambda gp, shift, pinned: (
            f"{gp.name} {'épinglé(e)' if pinned else 'désépinglé(e)'} sur la {wording.shift_label(shift)}."
        ),
    )
