"""The scheduler's jobs. Each opens its own app context and takes a lock row in job_runs first.

The lock: INSERT (job_id, run_key) — the unique constraint lets one process only have it, so two scheduler
processes never run the same job twice. For mail jobs the lock row and the queued messages are one transaction:
either both exist or neither (a failed run is retried at the next trigger).
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.i18n import zone
from sched.models import (
    GP,
    AuditEvent,
    AvailabilityAnswer,
    JobRun,
    Period,
    RosterVersion,
    Shift,
    Site,
    Territory,
    utcnow,
)

log = logging.getLogger(__name__)
_app: Flask | None = None
REMINDER_BEFORE_DEADLINE = timedelta(hours=48)


def use_app(app: Flask | None) -> None:
    """The app the jobs run in (the scheduler's; a test's)."""
    global _app
    _app = app


def get_app() -> Flask:
    global _app
    if _app is None:
        from sched import create_app

        _app = create_app()
    return _app


def claim(job_id: str, run_key: str) -> JobRun | None:
    """Insert the lock row in the current transaction; None if another process (or an earlier run) has it."""
    run = JobRun(job_id=job_id, run_key=run_key, host=f"{socket.gethostname()}:{os.getpid()}")
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def in_context(job: Callable[[], object]) -> Callable[[], object]:
    """Run `job` in a fresh app context; an error is logged (the scheduler keeps running) and re-raised."""

    def wrapper():
        with get_app().app_context():
            try:
                return job()
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", job.__name__)
                raise
            finally:
                db.session.remove()

    wrapper.__name__ = job.__name__
    wrapper.__doc__ = job.__doc__
    return wrapper


def slot_key(seconds: int) -> str:
    """The run key of a frequent job: the start of the current `seconds`-long slot (UTC)."""
    now = utcnow()
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo).isoformat()


def local_today():
    return utcnow().astimezone(zone()).date()


def finish(run: JobRun) -> None:
    run.finished_at = utcnow()
    db.session.commit()


# --- the jobs --------------------------------------------------------------------------------------------


@in_context
def flush_outbox() -> int | None:
    """Send the due e-mails of the outbox (retries with back-off are the outbox's own business)."""
    from sched.services import outbox

    run = claim("outbox", slot_key(60))
    if run is None:
        return None
    db.session.commit()  # sending takes time: hold the lock row, not a transaction
    sent, failed = outbox.flush()
    run.error = f"{failed} échec(s)" if failed else None
    finish(run)
    return sent


@in_context
def run_queued_solves() -> int | None:
    """Run the queued optimisations (sched.services.solving.run_queued_solves), if that module exists."""
    try:
        solving = importlib.import_module("sched.services.solving")
        run_all = solving.run_queued_solves
    except (ImportError, AttributeError):
        log.info("run-queued-solves: sched.services.solving.run_queued_solves is not available; skipped")
        return None
    run = claim("run-queued-solves", slot_key(10))
    if run is None:
        return None
    db.session.commit()
    count = run_all()
    finish(run)
    return count


def unanswered(period: Period) -> tuple[list[GP], int]:
    """Active GPs of the territory who have not answered for `period`, and how many active GPs there are."""
    from sched.services.notifications import active_gps

    gps = active_gps(period.territory_id)
    answered = set(
        db.session.scalars(select(AvailabilityAnswer.gp_id).where(AvailabilityAnswer.period_id == period.id))
    )
    return [g for g in gps if g.id not in answered], len(gps)


def opened_at(period: Period) -> datetime:
    """When the period was opened to answers: its opening in the audit log, else its creation."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "period",
            AuditEvent.object_id == str(period.id),
            AuditEvent.action.like("%open%"),
        )
        .order_by(AuditEvent.at)
        .limit(1)
    )
    return event.at if event is not None else period.created_at


@in_context
def availability_reminders() -> int:
    """Remind those who have not answered: halfway between opening and deadline, and 48 h before it."""
    from sched.services.notifications import availability_reminder

    now = utcnow()
    sent = 0
    periods = db.session.scalars(
        select(Period).where(Period.state == "collecting", Period.deadline.is_not(None), Period.deadline > now)
    ).all()
    for period in periods:
        start = opened_at(period)
        halfway = start + (period.deadline - start) / 2
        last = period.deadline - REMINDER_BEFORE_DEADLINE
        if now >= last and last > start:
            moment, text = "48h", "Plus que 48 heures pour répondre."
        elif now >= halfway:
            moment, text = "halfway", "La moitié du délai de réponse est passée."
        else:
            continue
        if moment == "halfway" and now >= last:
            continue
        if claim("availability-reminders", f"period-{period.id}-{moment}") is None:
            continue
        gps, _ = unanswered(period)
        availability_reminder(period, gps, text)
        db.session.commit()
        sent += len(gps)
        log.info("period %s: %s reminder to %d GP(s)", period.id, moment, len(gps))
    return sent


@in_context
def close_collection() -> int:
    """At the deadline the period takes no more answers: tell the coordination the answer rate (once)."""
    from sched.services import audit
    from sched.services.notifications import collection_closed

    closed = 0
    periods = db.session.scalars(
        select(Period).where(Period.state == "collecting", Period.deadline.is_not(None), Period.deadline <= utcnow())
    ).all()
    for period in periods:
        if claim("close-collection", f"period-{period.id}") is None:
            continue
        missing, total = unanswered(period)
        answered = total - len(missing)
        collection_closed(period, answered, total)
        audit.record("period.collection_closed", "period", period.id, answered=answered, total=total)
        db.session.commit()
        closed += 1
    return closed


def tomorrow_window() -> tuple[datetime, datetime, object]:
    tomorrow = local_today() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone())
    return start, start + timedelta(days=1), tomorrow


@in_context
def shift_reminders() -> int:
    """The day before: each GP on duty tomorrow (published plannings) gets a reminder."""
    from sched.services.notifications import shift_reminder
    from sched.services.rosters import published_assignments

    start, end, day = tomorrow_window()
    if claim("shift-reminders", day.isoformat()) is None:
        return 0
    assignments = published_assignments(start, end)
    for assignment in assignments:
        shift_reminder(assignment)
    db.session.commit()
    return len(assignments)


def regulators_rows(territory: Territory, start: datetime, end: datetime) -> list[dict]:
    """Per site of the territory, tomorrow's published gardes with their GPs (uncovered ones included)."""
    from sched.services.rosters import latest_published_ids, published_assignments

    gps_by_shift: dict[int, list[str]] = defaultdict(list)
    for a in published_assignments(start, end):
        gps_by_shift[a.shift_id].append(a.gp.name)
    published_periods = select(RosterVersion.period_id).where(RosterVersion.id.in_(latest_published_ids()))
    shifts = db.session.scalars(
        select(Shift)
        .join(Shift.site)
        .where(
            Site.territory_id == territory.id,
            Shift.starts_at >= start,
            Shift.starts_at < end,
            Shift.closed.is_(False),
            Shift.period_id.in_(published_periods),
        )
        .options(joinedload(Shift.site))
        .order_by(Site.name, Shift.starts_at)
    ).all()
    rows: dict[int, dict] = {}
    for shift in shifts:
        row = rows.setdefault(shift.site_id, {"site": shift.site, "shifts": []})
        row["shifts"].append(
            {"start": shift.starts_at, "end": shift.ends_at, "gps": sorted(gps_by_shift.get(shift.id, []))}
        )
    return list(rows.values())


@in_context
def regulators_list() -> int:
    """17:00: the next day's list of gardes (site, phone, hours, GPs) to each territory's regulators."""
    from sched.services.notifications import regulators_list as send_list

    start, end, day = tomorrow_window()
    sent = 0
    for territory in db.session.scalars(select(Territory).order_by(Territory.id)).all():
        if not territory.regulators_email:
            continue
        if claim("regulators-list", f"{day.isoformat()}-territory-{territory.id}") is None:
            continue
        send_list(territory, day, regulators_rows(territory, start, end))
        db.session.commit()
        sent += 1
    return sent


@in_context
def cleanup_job_runs() -> int:
    """Forget the lock rows of frequent jobs after 7 days (the once-only keys of mail jobs are kept)."""
    result = db.session.execute(
        delete(JobRun).where(
            JobRun.job_id.in_(("outbox", "run-queued-solves")), JobRun.started_at < utcnow() - timedelta(days=7)
        )
    )
    db.session.commit()
    return result.rowcount or 0
