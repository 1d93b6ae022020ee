"""Review of a planning: calendar sites × days, diagnosis of uncovered shifts, fairness, manual changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp, tables
from sched.coordination.common import own_gp, own_period, own_shift
from sched.coordination.forms import AssignForm, ChangeForm, EmptyForm, FixForm, SolveForm
from sched.extensions import db
from sched.models import GP, Period, RosterVersion, User
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
    return render_review(own_period(period_id))


def render_review(period: Period, assign_form: AssignForm | None = None, refusal=None, status: int = 200):
    """The review page; a refused manual change comes back with its form as typed and the refusal beside it."""
    version = shown_version(period)
    draft = service.working_draft(period)
    sites, days, cells = tables.calendar(period, version)
    gps = db.session.scalars(
        select(GP).join(GP.user).where(User.territory_id == current_user.territory_id, GP.active)
        .order_by(User.full_name)
    ).all()  # fmt: skip
    if assign_form is None:
        assign_form = AssignForm(formdata=None)
        assign_form.shift_id.data = request.args.get("garde", type=int)
    assign_form.gp_id.choices = [(g.id, g.name) for g in gps]
    fairness = tables.fairness(period, version) if version else []
    return render_template(
        "coordination/review.html", period=period, version=version, draft=draft,
        published=published_version(period), sites=sites, days=days, cells=cells,
        diagnoses=diagnoses(period, version), fixes=fixes(period, version), fairness=fairness,
        fairness_total=tables.fairness_totals(fairness), coverage=tables.coverage(period, version),
        gps=gps, assign_form=assign_form, refusal=refusal, change_form=ChangeForm(), empty_form=EmptyForm(),
        solve_form=SolveForm(), running=active_request(period),
        violations=service.check_draft(period, draft) if draft else [],
    ), status  # fmt: skip


def fixes(period: Period, version: RosterVersion | None) -> dict[int, dict]:
    """Shift id → the diagnosis's smallest fix (raise one GP's limit), as the one-click form needs it."""
    if version is None:
        return {}
    names = wording.Names(period)
    return {
        scheduling.parse_key(d.shift): {
            "gp_id": scheduling.parse_key(d.fix.gp), "limit": d.fix.limit, "raise_to": d.fix.raise_to,
            "label": wording.fix_button_fr(d.fix, names),
        }
        for d in scheduling.diagnoses_of(version)
        if d.fix is not None
    }  # fmt: skip


def back(period: Period, anchor: str = ""):
    return redirect(url_for("coordination.review", period_id=period.id) + (f"#{anchor}" if anchor else ""))


@bp.route("/periodes/<int:period_id>/planning/affecter", methods=["POST"])
def review_assign(period_id: int):
    """Put a GP on a shift; a rule may be broken only with a written reason (pinned and audited)."""
    period = own_period(period_id)
    form = AssignForm()
    form.gp_id.choices = []
    if not form.validate_on_submit():
        return render_review(period, form, service.ReviewError("Choisissez une garde et un médecin."), 422)
    shift, gp = own_shift(period, form.shift_id.data), own_gp(form.gp_id.data)
    try:
        broken = service.assign(period, shift, gp, current_user, form.pin.data, form.reason.data or "")
    except service.ReviewError as refusal:
        db.session.rollback()
        if refusal.violations:
            form.reason.errors = ["Pour passer outre, écrivez ici la raison de la dérogation et validez de nouveau."]
        return render_review(period, form, refusal, 422)
    db.session.commit()
    if broken:
        flash(
            f"Affectation de {gp.name} enregistrée par dérogation ; règles enfreintes : " + " ".join(broken)
            + " Le solveur signalera cette épingle comme impossible.", "warning",
        )  # fmt: skip
    else:
        flash(f"{gp.name} est maintenant sur la {wording.shift_label(shift)}.", "success")
    return back(period, f"shift-{shift.id}")


@bp.route("/periodes/<int:period_id>/planning/suggestion", methods=["POST"])
def review_apply_fix(period_id: int):
    """The diagnosis's fix in one click: raise the GP's limit for this period and put them on the garde."""
    period = own_period(period_id)
    form = FixForm()
    if not form.validate_on_submit():
        abort(400)
    shift, gp = own_shift(period, form.shift_id.data), own_gp(form.gp_id.data)
    try:
        service.apply_fix(period, shift, gp, form.limit.data, form.raise_to.data, current_user)
    except service.ReviewError as refusal:
        db.session.rollback()
        flash(" ".join([str(refusal), *refusal.violations]), "error")
        return back(period, f"shift-{shift.id}")
    db.session.commit()
    flash(
        f"{wording.LIMITS[form.limit.data].capitalize()} de {gp.name} relevé à {form.raise_to.data} pour cette "
        f"période ; {gp.name} est maintenant sur la {wording.shift_label(shift)}.", "success",
    )  # fmt: skip
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
        lambda gp, shift, _: f"{gp.name} n'est plus sur la {wording.shift_label(shift)}.",
    )


@bp.route("/periodes/<int:period_id>/planning/epingler", methods=["POST"])
def review_pin(period_id: int):
    """Pin (or unpin) an assignment: a re-solve keeps it."""
    return apply_change(
        period_id,
        lambda period, shift, gp, form: service.toggle_pin(period, shift, gp, current_user),
        lambda gp, shift, pinned: (
            f"Affectation de {gp.name} {'épinglée' if pinned else 'désépinglée'} sur la {wording.shift_label(shift)}."
        ),
    )
