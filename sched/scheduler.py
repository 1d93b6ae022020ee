"""The APScheduler of `python -m sched scheduler`: its own process (never in web workers), in the territory's zone.

It keeps the clock only: at each trigger it enqueues the job as a task (`sched.job`), which a worker runs.
Every job has an explicit id, a misfire grace time, coalescing and one instance at a time; the lock against
a second scheduler process is in the database (sched.jobs.claim), taken by the job when a worker runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from sched import jobs
from sched.extensions import db
from sched.models import Territory
from sched.models.people import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: object
    trigger: dict  # CronTrigger fields
    when: str  # in French, for --list-jobs and the README
    grace: int  # seconds: a run missed by less than this still happens


JOBS = (
    JobSpec("outbox", jobs.flush_outbox, {"second": 0}, "chaque minute", 50),
    JobSpec("requeue-solves", jobs.requeue_solves, {"second": 15}, "chaque minute", 45),
    JobSpec("availability-reminders", jobs.availability_reminders, {"minute": "*/15"}, "toutes les 15 minutes", 600),
    JobSpec("close-collection", jobs.close_collection, {"minute": "*", "second": 30}, "chaque minute", 50),
    JobSpec("shift-reminders", jobs.shift_reminders, {"hour": 10, "minute": 0}, "chaque jour à 10:00", 6 * 3600),
    JobSpec("regulators-list", jobs.regulators_list, {"hour": 17, "minute": 0}, "chaque jour à 17:00", 3600),
    JobSpec("escalate-offers", jobs.escalate_offers, {"minute": "*/10"}, "toutes les 10 minutes", 500),
    JobSpec(
        "garde-count-reminders", jobs.garde_count_reminders, {"hour": 8, "minute": 0}, "chaque jour à 08:00", 6 * 3600
    ),
    JobSpec(
        "monthly-report", jobs.monthly_report, {"day": 2, "hour": 7, "minute": 0}, "le 2 du mois à 07:00", 12 * 3600
    ),
    JobSpec("cleanup-job-runs", jobs.cleanup_job_runs, {"hour": 3, "minute": 30}, "chaque jour à 03:30", 3600),
)


def territory_zone() -> str:
    """The zone the daily hours (10:00, 17:00) are read in: the territory's (the first one's, if several).

    Each job still computes « tomorrow » in each territory's own zone.
    """
    return db.session.scalar(select(Territory.timezone).order_by(Territory.id).limit(1)) or DEFAULT_TIMEZONE


def enqueue(spec: JobSpec) -> None:
    """The scheduler's whole work at a trigger: publish the job for a worker (dropped if not started in time)."""
    from sched.tasks import enqueue_job

    with jobs.get_app().app_context():
        try:
            enqueue_job(spec.id, expires=spec.grace)
        except Exception:
            logging.getLogger("sched.jobs").exception("job %s not enqueued (broker unreachable?)", spec.id)
            raise


def build_scheduler(timezone: str) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=timezone)
    for spec in JOBS:
        scheduler.add_job(
            enqueue,
            CronTrigger(timezone=timezone, **spec.trigger),
            args=[spec],
            id=spec.id,
            name=spec.when,
            misfire_grace_time=spec.grace,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
    return scheduler
