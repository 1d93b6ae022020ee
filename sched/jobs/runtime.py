"""How a job runs: in its own app context, after taking a lock row in job_runs.

The lock: INSERT (job_id, run_key) — the unique constraint lets one process only have it, so two scheduler
processes never run the same job twice. For mail jobs the lock row and the queued messages are one transaction:
either both exist or neither (a failed run is retried at the next trigger).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.models import JobRun, utcnow

log = logging.getLogger("sched.jobs")
_app: Flask | None = None
FREQUENT_JOBS = ("outbox", "requeue-solves")  # keyed by time slot: their lock rows pile up


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

    def wrapper(*args, **kwargs):  # a test may give `now`
        with get_app().app_context():
            try:
                return job(*args, **kwargs)
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


def finish(run: JobRun) -> None:
    run.finished_at = utcnow()
    db.session.commit()


def forget_old_runs(days: int = 7) -> int:
    """Delete the lock rows of the frequent jobs older than `days` (the once-only keys of mail jobs stay)."""
    result = db.session.execute(
        delete(JobRun).where(JobRun.job_id.in_(FREQUENT_JOBS), JobRun.started_at < utcnow() - timedelta(days=days))
    )
    return result.rowcount or 0
