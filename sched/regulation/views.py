"""Regulation home."""

from datetime import datetime, time, timedelta
from sched.i18n import zone
from sched.models import utcnow
from sched.regulation import bp
from sched.services.rosters import published_assignments

from flask import render_template


@bp.route("/")
def home():
    """The regulators' daily list: today's duty centres and GPs."""
    today = utcnow().astimezone(zone()).date()
    start = datetime.combine(today, time(0), tzinfo=zone())
    by_site: dict = {}
    for a in published_assignments(start, start + timedelta(days=1)):
        by_site.setdefault(a.shift.site, []).append(a)
    return render_template("regulation/home.html", today=today, by_site=by_site, now=utcnow())
