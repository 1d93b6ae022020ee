"""Jobs of the availability collection: reminders to those who have not answered, the close at the deadline."""

from __future__ import annotations

import logging

from sched.extensions import db
from sched.i18n import use_zone
from sched.jobs.runtime import claim, in_context
from sched.models import utcnow
from sched.services import audit, collection, notifications

log = logging.getLogger("sched.jobs")


@in_context
def availability_reminders() -> int:
    """Remind those who have not answered: halfway between opening and deadline, and 48 h before it."""
    now = utcnow()
    sent = 0
    for period in collection.collecting(now):
        moment = collection.reminder_due(period, now)
        if moment is None or claim("availability-reminders", f"period-{period.id}-{moment}") is None:
            continue
        use_zone(period.territory.timezone)  # the message's deadline
        gps, _ = collection.unanswered(period)
        notifications.availability_reminder(period, gps, collection.REMINDER_TEXTS[moment])
        db.session.commit()
        sent += len(gps)
        log.info("period %s: %s reminder to %d GP(s)", period.id, moment, len(gps))
    return sent


@in_context
def close_collection() -> int:
    """At the deadline the period takes no more answers: tell the coordination the answer rate (once)."""
    closed = 0
    for period in collection.past_deadline(utcnow()):
        if claim("close-collection", f"period-{period.id}") is None:
            continue
        use_zone(period.territory.timezone)
        missing, total = collection.unanswered(period)
        answered = total - len(missing)
        notifications.collection_closed(period, answered, total)
        audit.record("period.collection_closed", "period", period.id, answered=answered, total=total)
        db.session.commit()
        closed += 1
    return closed
