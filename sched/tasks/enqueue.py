"""Publishing tasks: a solve request (after its row is committed) or one run of a scheduler job."""

from __future__ import annotations

import logging

from flask import current_app

from sched.extensions import db
from sched.models import SolveRequest, utcnow
from sched.tasks.engine import celery_for, queue_name

log = logging.getLogger("sched.tasks")


def enqueue_solve(request: SolveRequest) -> bool:
    """Publish `sched.solve` for a committed request, with its hard time limit. A broker that cannot be reached
    is logged, not raised: the row stays queued and the `requeue-solves` job publishes it again."""
    from sched.services.solving import HARD_MARGIN_S

    app = current_app._get_current_object()
    try:
        celery_for(app).send_task(
            "sched.solve",
            args=[request.id],
            queue=queue_name(app, "solves"),
            time_limit=request.time_limit_s + HARD_MARGIN_S,
        )
    except Exception:  # noqa: BLE001 — the web answer must not depend on the broker
        log.warning("solve request %s not published (broker unreachable?)", request.id, exc_info=True)
        return False
    return True


def enqueue_job(job_id: str, expires: float | None = None) -> None:
    """Publish one run of scheduler job `job_id`; a run not started within `expires` seconds is dropped."""
    app = current_app._get_current_object()
    celery_for(app).send_task("sched.job", args=[job_id], queue=queue_name(app, "jobs"), expires=expires)


def requeue_lost_solves() -> int:
    """Publish again the requests a broker may have lost (a dead worker's, a message never delivered)."""
    from sched.services import solving

    if solving.reclaim_stale():
        db.session.commit()
    requests = solving.lost()
    for request in requests:
        if enqueue_solve(request):
            request.enqueued_at = utcnow()
    db.session.commit()
    return len(requests)
