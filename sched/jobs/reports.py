"""Jobs of the reports: the end-of-garde count reminders (08:00) and last month's report to the ARS (the 2nd)."""

from __future__ import annotations

import logging
from datetime import datetime

from sched.extensions import db
from sched.i18n import use_zone
from sched.jobs.runtime import claim, in_context
from sched.models import utcnow
from sched.services import counts, report_output, reports, tomorrow

log = logging.getLogger("sched.jobs")


@in_context
def monthly_report(now: datetime | None = None) -> int:
    """On the 2nd: last month's report (PDF and CSV attached) to each territory's ARS address, once per month."""
    now = now or utcnow()
    sent = 0
    for territory in tomorrow.territories():
        if not territory.ars_email or reports.local_today(territory, now).day < 2:
            continue
        month = reports.last_month(territory, now)
        if reports.month_report(territory, month, now).empty:
            continue
        if claim("monthly-report", f"{month.isoformat()[:7]}-territory-{territory.id}") is None:
            continue
        use_zone(territory.timezone)
        report_output.send_monthly(territory, month, now)
        db.session.commit()
        sent += 1
        log.info("territory %s: report of %s queued for the ARS", territory.id, month.isoformat()[:7])
    return sent


@in_context
def garde_count_reminders(now: datetime | None = None) -> int:
    """08:00: each GP whose count of yesterday's garde is missing is reminded once (e-mail, SMS if chosen)."""
    now = now or utcnow()
    sent = 0
    for territory in tomorrow.territories():
        day = reports.local_today(territory, now)
        if claim("garde-count-reminders", f"{day.isoformat()}-territory-{territory.id}") is None:
            continue
        use_zone(territory.timezone)
        sent += counts.remind_missing(territory, day, now)
        db.session.commit()
    return sent
