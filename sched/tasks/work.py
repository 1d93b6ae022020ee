"""The tasks a worker runs, and the set-up of each of its child processes (limits, a fresh database pool)."""

from __future__ import annotations

import logging
import resource

from celery import Celery, signals
from flask import Flask

from sched.extensions import db

log = logging.getLogger("sched.tasks")


def register(celery: Celery, app: Flask) -> None:
    """Declare the tasks on `celery`; they run in `app`'s context."""

    @celery.task(name="sched.solve", bind=True, max_retries=None)
    def solve(self, request_id: int) -> str:
        """Run solve request `request_id` unless it is over; a live worker holding it: try again after the lease."""
        from sched.services import solving

        with app.app_context():
            try:
                verdict = solving.execute(request_id)
            finally:
                db.session.remove()
        if verdict == solving.BUSY:
            raise self.retry(countdown=app.config["TASK_SOLVE_LEASE"])
        return verdict

    @celery.task(name="sched.job")
    def job(job_id: str) -> object:
        """One run of a scheduler job (sched/scheduler.py); the job's own lock row makes a duplicate do nothing."""
        from sched import jobs
        from sched.scheduler import JOBS

        jobs.use_app(app)
        return {spec.id: spec.func for spec in JOBS}[job_id]()


def prepare_worker_processes(app: Flask) -> None:
    """Each pool child: its own database connections (never the parent's sockets) and the memory limit."""

    def child_init(**_) -> None:
        with app.app_context():
            db.engine.dispose(close=False)
        limit_mb = app.config["TASK_MEMORY_LIMIT_MB"]
        if limit_mb:
            size = limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, resource.getrlimit(resource.RLIMIT_AS)[1]))

    signals.worker_process_init.connect(child_init, weak=False)
