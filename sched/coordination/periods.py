"""Periods: create from the templates, open for availability, closures and staffing, answers, heat map."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp
from sched.coordination.common import form_errors_text, own_period, own_shift
from sched.coordination.forms import OpenForm, PeriodForm, ReopenForm, SolveForm, StaffingForm
from sched.extensions import db
from sched.i18n import MONTHS
from sched.models import GP, Availability, Period, Shift, SolveRequest, User, utcnow
from sched.services import audit, wording
from sched.services.availability import is_open
from sched.services.periods import collection_deadline, generate_shifts, public_holidays
from sched.services.review import versions, working_draft
from sched.services.rosters import published_version


def period_bounds(kind: str, start: str) -> tuple[date, date, str]:
    year, month = (int(x) for x in start.strip().split("-"))
    first = date(year, month, 1)
    months = 3 if kind == "quarter" else 1
    index = month - 1 + months
    end = date(year + index // 12, index % 12 + 1, 1) - timedelta(days=1)
    if kind == "quarter":
        name = f"{MONTHS[month - 1]} – {MONTHS[end.month - 1]} {end.year}"
    else:
        name = f"{MONTHS[month - 1]} {year}"
    return first, end, name


@bp.route("/periodes/nouvelle", methods=["GET", "POST"])
def period_new():
    """Create a period (a month or a quarter) and its shifts from the templates, public holidays left out."""
    form = PeriodForm()
    if form.validate_on_submit():
        start, end, name = period_bounds(form.kind.data, form.start.data)
        name = form.name.data.strip() if form.name.data else name
        exists = db.session.scalar(
            select(Period.id).where(Period.territory_id == current_user.territory_id, Period.name == name)
        )
        if exists:
            form.name.errors.append(f"Une période « {name} » existe déjà.")
        else:
            territory = current_user.territory
            period = Period(territory_id=territory.id, name=name, start_date=start, end_date=end, state="draft")
            db.session.add(period)
            db.session.flush()
            shifts = generate_shifts(period, territory)
            audit.record("period.create", "period", period.id, name=name, shifts=len(shifts))
            db.session.commit()
            flash(f"Période « {name} » créée : {len(shifts)} gardes.", "success")
            return redirect(url_for("coordination.period", period_id=period.id))
    return render_template("coordination/period_new.html", form=form)


@bp.route("/periodes/<int:period_id>")
def period(period_id: int):
    """A period: its state, what to do next, its solve requests and planning versions."""
    return render_period(own_period(period_id))


def render_period(period: Period, reopen_form: ReopenForm | None = None):
    territory = current_user.territory
    holidays = public_holidays(territory, period.start_date, period.end_date)
    requests = db.session.scalars(
        select(SolveRequest).where(SolveRequest.period_id == period.id).order_by(SolveRequest.id.desc()).limit(5)
    ).all()
    return render_template(
        "coordination/period.html",
        period=period,
        holidays=holidays,
        open_form=OpenForm(),
        reopen_form=reopen_form or ReopenForm(),
        collection_open=is_open(period),
        solve_form=SolveForm(),
        requests=requests,
        versions=versions(period),
        draft=working_draft(period),
        published=published_version(period),
        open_shifts=sum(1 for s in period.shifts if not s.closed),
    )


@bp.route("/periodes/<int:period_id>/ouvrir", methods=["POST"])
def period_open(period_id: int):
    """Open the period for availability with a deadline; the GPs are told."""
    period = own_period(period_id)
    form = OpenForm()
    if period.state != "draft":
        flash("Cette période est déjà ouverte.", "error")
    elif not form.validate_on_submit():
        flash(form_errors_text(form), "error")
    else:
        period.deadline = collection_deadline(form.deadline.data, current_user.territory)
        period.state = "collecting"
        period.opened_at = utcnow()
        audit.record("period.open", "period", period.id, deadline=period.deadline.isoformat())
        from sched.services import notifications

        notifications.period_opened(period)
        db.session.commit()
        flash("Recueil des disponibilités ouvert ; les médecins sont prévenus par e-mail.", "success")
    return redirect(url_for("coordination.period", period_id=period.id))


@bp.route("/periodes/<int:period_id>/gardes")
def shifts(period_id: int):
    """The period's shifts: close one by hand, change min / target of many at once."""
    period = own_period(period_id)
    return render_template("coordination/shifts.html", period=period, form=StaffingForm())


@bp.route("/periodes/<int:period_id>/gardes/<int:shift_id>/fermeture", methods=["POST"])
def shift_toggle(period_id: int, shift_id: int):
    """Close a shift (a closure) or reopen it."""
    period = own_period(period_id)
    shift = own_shift(period, shift_id)
    shift.closed = not shift.closed
    audit.record("shift.close" if shift.closed else "shift.reopen", "shift", shift.id)
    db.session.commit()
    flash("Garde fermée." if shift.closed else "Garde rouverte.", "success")
    return redirect(url_for("coordination.shifts", period_id=period.id))


@bp.route("/periodes/<int:period_id>/gardes/effectifs", methods=["POST"])
def shifts_staffing(period_id: int):
    """Set min and target on the selected shifts."""
    period = own_period(period_id)
    form = StaffingForm()
    chosen = [s for s in period.shifts if s.id in set(form.shift_ids.data or [])]
    if not form.validate_on_submit() or not chosen:
        if not chosen:
            form.shift_ids.errors = ["Cochez au moins une garde."]
        return render_template("coordination/shifts.html", period=period, form=form), 422
    for shift in chosen:
        shift.min_gps, shift.target_gps = form.min_gps.data, form.target_gps.data
    audit.record(
        "shift.staffing", "period", period.id, shifts=[s.id for s in chosen],
        min=form.min_gps.data, target=form.target_gps.data,
    )  # fmt: skip
    db.session.commit()
    flash(f"Effectifs modifiés sur {wording.plural(len(chosen), 'garde')}.", "success")
    return redirect(url_for("coordination.shifts", period_id=period.id))


@bp.route("/periodes/<int:period_id>/carte")
def heatmap(period_id: int):
    """Per shift: who is available or prefers it, against min and target (three levels: below min, below target,
    at target)."""
    period = own_period(period_id)
    names: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"available": [], "preferred": []})
    rows = db.session.execute(
        select(Availability.shift_id, Availability.level, User.full_name)
        .join(Shift, Shift.id == Availability.shift_id)
        .join(GP, GP.id == Availability.gp_id)
        .join(User, User.id == GP.user_id)
        .where(Shift.period_id == period.id, GP.active)
        .order_by(User.full_name)
    )
    for shift_id, level, name in rows:
        names[shift_id][level].append(name)
    sites = sorted({s.site for s in period.shifts}, key=lambda s: s.name)
    days = sorted({s.date for s in period.shifts})
    cells = defaultdict(list)
    for s in period.shifts:
        cells[(s.date, s.site_id)].append(s)
    return render_template("coordination/heatmap.html", period=period, sites=sites, days=days, cells=cells, names=names)
