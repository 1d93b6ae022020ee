"""Jobs that keep the system going: solves a broker may have lost, old lock rows."""

from __future__ import annotations

from sched.extensions import db
from sched.jobs.runtime import claim, finish, forget_old_runs, in_context, slot_key


@in_context
def requeue_solves() -> int | None:
    """Fail the solves past their deadline; publish again those whose worker stopped beating (or never got them)."""
    from sched.tasks import requeue_lost_solves

    run = claim("requeue-solves", slot_key(60))
    if run is None:
        return None
    db.session.commit()
    count = requeue_lost_solves()
    finish(run)
    return count


@in_context
def cleanup_job_runs() -> int:
    """Forget the lock rows of frequent jobs after 7 days (the once-only keys of mail jobs are kept)."""
    count = forget_old_runs()
    db.session.commit()
    return count
