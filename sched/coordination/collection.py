"""The collection of availability under the coordination's control: answers, entry for a GP, reopening."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from sched.coordination import bp
from sched.coordination.common import own_gp, own_period
from sched.coordination.forms import ReopenForm
from sched.coordination.periods import render_period
from sched.extensions import db
from sched.gp.answer import answer_page
from sched.models import GP, AvailabilityAnswer, Period, User, utcnow
from sched.services import audit
from sched.services.periods import CollectionError, collection_deadline, reopen_collection


def active_gps(period: Period) -> list[GP]:
    return list(
        db.session.scalars(
            select(GP).join(GP.user).where(User.territory_id == period.territory_id, GP.active)
            .order_by(User.full_name)
        )
    )  # fmt: skip


def answers_by_gp(period: Period) -> dict[int, AvailabilityAnswer]:
    query = select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id)
    return {a.gp_id: a for a in db.session.scalars(query)}


def non_respondents(period: Period) -> list[GP]:
    answered = answers_by_gp(period)
    return [gp for gp in active_gps(period) if gp.id not in answered]


@bp.route("/periodes/<int:period_id>/reponses")
def answers(period_id: int):
    """Who answered (and whether the coordination typed it), who did not; each answer can be entered."""
    period = own_period(period_id)
    gps = active_gps(period)
    return render_template("coordination/answers.html", period=period, gps=gps, answered=answers_by_gp(period))


@bp.route("/periodes/<int:period_id>/reponses/<int:gp_id>", methods=["GET", "POST"])
def answer_entry(period_id: int, gp_id: int):
    """Enter or correct a GP's answer received by phone or paper: the GP's own grid, audited."""
    period = own_period(period_id)
    gp = own_gp(gp_id)
    if period.state == "draft":
        flash("Ouvrez d'abord la période au recueil des disponibilités.", "error")
        return redirect(url_for("coordination.period", period_id=period.id))
    action = url_for("coordination.answer_entry", period_id=period.id, gp_id=gp.id)
    return answer_page(period, gp, action, entered_by=current_user._get_current_object())


@bp.route("/periodes/<int:period_id>/rouvrir", methods=["POST"])
def period_reopen(period_id: int):
    """Reopen the collection with a new deadline, as long as no roster is published."""
    period = own_period(period_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            deadline = collection_deadline(form.deadline.data, current_user.territory)
            reopen_collection(period, deadline, utcnow())
        except CollectionError as refusal:
            form.deadline.errors.append(str(refusal))
        else:
            audit.record("period.reopen", "period", period.id, deadline=deadline.isoformat())
            db.session.commit()
            flash("Recueil des disponibilités rouvert : les médecins peuvent de nouveau répondre.", "success")
            return redirect(url_for("coordination.period", period_id=period.id))
    return render_period(period, reopen_form=form), 422
