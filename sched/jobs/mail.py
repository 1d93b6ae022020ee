"""Jobs that send e-mail: the outbox, each GP's reminder the day before, the regulators' 17:00 list."""

from __future__ import annotations

from sched.extensions import db
from sched.i18n import use_zone
from sched.jobs.runtime import claim, finish, in_context, slot_key
from sched.services import notifications, outbox, tomorrow


@in_context
def flush_outbox() -> int | None:
    """Send the due e-mails of the outbox (retries with back-off are the outbox's own business)."""
    run = claim("outbox", slot_key(60))
    if run is None:
        return None
    db.session.commit()  # sending takes time: hold the lock row, not a transaction
    sent, failed = outbox.flush()
    run.error = f"{failed} échec(s)" if failed else None
    finish(run)
    return sent


@in_context
def shift_reminders() -> int:
    """The day before: each GP on duty tomorrow (published plannings) gets a reminder, in their territory's time."""
    sent = 0
    for territory in tomorrow.territories():
        start, end, day = tomorrow.window(territory)
        if claim("shift-reminders", f"{day.isoformat()}-territory-{territory.id}") is None:
            continue
        use_zone(territory.timezone)  # the message's dates and hours
        assignments = tomorrow.assignments(territory, start, end)
        for assignment in assignments:
            notifications.shift_reminder(assignment)
        db.session.commit()
        sent += len(assignments)
    return sent


@in_context
def regulators_list() -> int:
    """17:00: the next day's list of gardes (site, phone, hours, GPs) to each territory's regulators."""
    sent = 0
    for territory in tomorrow.territories():
        if not territory.regulators_email:
            continue
        start, end, day = tomorrow.window(territory)
        if claim("regulators-list", f"{day.isoformat()}-territory-{territory.id}") is None:
            continue
        use_zone(territory.timezone)
        notifications.regulators_list(territory, day, tomorrow.regulators_rows(territory, start, end))
        db.session.commit()
        sent += 1
    return sent
