"""Helpers of the coordination views: objects of the coordinator's territory only (404 otherwise)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from sched.extensions import db
from sched.models import GP, Period, Shift, Site, User


def own_period(period_id: int) -> Period:
    period = db.session.get(Period, period_id)
    if period is None or period.territory_id != current_user.territory_id:
        abort(404)
    return period


def own_shift(period: Period, shift_id: int | None) -> Shift:
    shift = db.session.get(Shift, shift_id) if shift_id else None
    if shift is None or shift.period_id != period.id:
        abort(404)
    return shift


def own_gp(gp_id: int | None) -> GP:
    gp = db.session.get(GP, gp_id) if gp_id else None
    if gp is None or db.session.get(User, gp.user_id).territory_id != current_user.territory_id:
        abort(404)
    return gp


def own_site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or site.territory_id != current_user.territory_id:
        abort(404)
    return site


def form_errors_text(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)
