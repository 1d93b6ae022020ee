"""Coordination home: the dashboard (open collection, uncovered gardes, charts) and the reminder button."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from sched.coordination import bp
from sched.coordination.common import own_period
from sched.coordination.forms import EmptyForm
from sched.extensions import db
from sched.models import Period, Shift, SwapRequest
from sched.services import dashboard, report_output, reports


@bp.route("/")
def home():
    """The dashboard: the open collection, the uncovered gardes of the next 4 weeks, 12 months of charts."""
    territory = current_user.territory
    periods = db.session.scalars(
        select(Period).where(Period.territory_id == current_user.territory_id).order_by(Period.start_date.desc())
    ).all()
    pending = db.session.scalar(
        select(func.count(SwapRequest.id))
        .join(Shift, Shift.id == SwapRequest.shift_id)
        .join(Period, Period.id == Shift.period_id)
        .where(Period.territory_id == current_user.territory_id, SwapRequest.state == "taken")
    )
    month = reports.local_today(territory).replace(day=1)
    load, fairness = report_output.load_chart(territory, month)
    return render_template(
        "coordination/home.html", periods=periods, pending_requests=pending, territory=territory,
        collecting=dashboard.collecting(territory), uncovered=dashboard.uncovered_soon(territory),
        load_chart=load, fairness=fairness, last_month=reports.previous_month(month),
        **report_output.page_context(territory, month),
    )  # fmt: skip


@bp.route("/periodes/<int:period_id>/relancer", methods=["GET", "POST"])
def remind_unanswered(period_id: int):
    """« Relancer les non-répondants »: confirm, then e-mail the reminder to those who have not answered."""
    period = own_period(period_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            count = dashboard.remind_unanswered(period, current_user._get_current_object())
        except dashboard.ReminderRefused as refusal:
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(f"Relance envoyée à {count} médecin(s) qui n'ont pas répondu.", "success")
        return redirect(url_for("coordination.home"))
    status = next((c for c in dashboard.collecting(current_user.territory) if c.period.id == period.id), None)
    return render_template("coordination/remind_confirm.html", period=period, status=status, form=form)
