"""Solving from the browser: queue a request, watch its progress, read the result."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sched.coordination import bp, tables
from sched.coordination.common import form_errors_text, own_period
from sched.coordination.forms import SolveForm
from sched.extensions import db
from sched.models import RosterVersion, SolveRequest
from sched.services.solve_progress import progress_of
from sched.services.solving import SolveRefused, active_request, request_solve
from sched.tasks import enqueue_solve


@bp.route("/periodes/<int:period_id>/optimiser", methods=["POST"])
def solve(period_id: int):
    """Queue an optimisation of the period; a task engine worker runs it outside the web request."""
    period = own_period(period_id)
    form = SolveForm()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return redirect(url_for("coordination.period", period_id=period.id))
    try:
        solve_request = request_solve(period, current_user, form.time_limit_s.data)
        db.session.commit()
        enqueue_solve(solve_request)  # after the commit: a worker must find the row
    except SolveRefused as refusal:
        flash(str(refusal), "error")
        running = active_request(period)
        if running is not None:
            return redirect(url_for("coordination.solve_request", request_id=running.id))
        return redirect(url_for("coordination.period", period_id=period.id))
    flash("Optimisation demandée : elle démarre dans quelques secondes.", "success")
    return redirect(url_for("coordination.solve_request", request_id=solve_request.id))


@bp.route("/optimisations/<int:request_id>")
def solve_request(request_id: int):
    """Progress of a solve request (the page refreshes itself until it is over), then its result."""
    solve_request = db.session.get(SolveRequest, request_id)
    if solve_request is None or solve_request.period.territory_id != current_user.territory_id:
        abort(404)
    version = db.session.get(RosterVersion, solve_request.version_id) if solve_request.version_id else None
    return render_template(
        "coordination/solve_request.html", req=solve_request, period=solve_request.period, version=version,
        progress=progress_of(solve_request), coverage=tables.coverage(solve_request.period, version),
    )  # fmt: skip
