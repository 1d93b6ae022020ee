"""Jobs that keep the system going: the optimisations queued by the web workers, old lock rows."""

from __future__ import annotations

from sched.extensions import db
from sched.jobs.runtime import claim, finish, forget_old_runs, in_context, slot_key
from sched.services import solving


@in_context
def run_queued_solves() -> int | None:
    """Run the optimisations queued by the web workers (one at a time, oldest first)."""
    run = claim("run-queued-solves", slot_key(10))
    if run is None:
        return None
    db.session.commit()  # a solve takes time: hold the lock row, not a transaction
    count = solving.run_queued_solves()
    finish(run)
    return count


@in_context
def cleanup_job_runs() -> int:
    """Forget the lock rows of frequent jobs after 7 days (the once-only keys of mail jobs are kept)."""
    count = forget_old_runs()
    db.session.commit()
    return count
