"""Background solving: a button queues a request in the database, a task engine's worker runs it.

The row is the truth and the broker only delivers (docs/architecture.md): a worker claims the row with a
conditional UPDATE (`take`), keeps its heartbeat fresh while it solves, and stores the result only if the row is
still its own attempt — so a redelivered or duplicate message never stores a second result.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.models import Period, RosterVersion, SolveRequest, User, utcnow
from sched.services import audit, scheduling, wording
from sched.services.availability import is_open
from sched.services.review import working_draft
from sched.services.rosters import published_version

ALREADY_RUNNING = "Une optimisation est déjà en cours pour cette période."
PROGRESS_EVERY_S = 2.0
# A running request whose worker died (killed, machine restarted) is failed after its time limit plus this
# grace (model building, storing the roster): then a new solve of the period is allowed.
GRACE_S = 120
STALE_MESSAGE = (
    "L'optimisation s'est interrompue sans résultat (processus arrêté ou délai dépassé) : vous pouvez la relancer."
)
# The task engine kills a solve this long after its own time limit (model building, storing the roster).
HARD_MARGIN_S = 60
ATTEMPTS_MESSAGE = (
    "L'optimisation s'est interrompue {n} fois (machine ou processus arrêté) : vérifiez les travailleurs, puis "
    "relancez-la."
)
MEMORY_MESSAGE = "L'optimisation a dépassé la mémoire permise ({mb} Mo) : elle a été arrêtée."
# What a worker does with a solve message (see take).
RUN, BUSY, OVER = "run", "busy", "over"
log = logging.getLogger("sched.solving")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class SolveRefused(ValueError):
    """A solve request that cannot be queued (French message)."""


def active_request(period: Period) -> SolveRequest | None:
    return db.session.scalar(
        select(SolveRequest).where(SolveRequest.period_id == period.id, SolveRequest.state.in_(("queued", "running")))
    )


def is_stale(request: SolveRequest, now: datetime) -> bool:
    started = request.started_at or request.requested_at
    return started + timedelta(seconds=request.time_limit_s + GRACE_S) < now


def reclaim_stale(now: datetime | None = None) -> int:
    """Fail the running requests past their deadline (in the caller's transaction); returns how many."""
    now = now or utcnow()
    running = db.session.scalars(select(SolveRequest).where(SolveRequest.state == "running")).all()
    reclaimed = 0
    for request in running:
        if is_stale(request, now) and give_back(request, STALE_MESSAGE, now):
            audit.record("solve.reclaimed", "period", request.period_id, request=request.id)
            reclaimed += 1
    db.session.flush()
    return reclaimed


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["TASK_SOLVE_LEASE"])


def heartbeat_stale(request: SolveRequest, now: datetime) -> bool:
    last = request.heartbeat_at or request.started_at or request.requested_at
    return last < now - lease()


def give_back(request: SolveRequest, message: str, now: datetime) -> bool:
    """Fail a running request (in the caller's transaction) and give its period back; False when it is no
    longer this attempt's to fail (a worker finishing at this very moment keeps its result)."""
    changed = db.session.execute(
        update(SolveRequest)
        .where(SolveRequest.id == request.id, SolveRequest.state == "running", SolveRequest.attempt == request.attempt)
        .values(state="failed", finished_at=now, error=message)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        return False
    db.session.refresh(request)
    period = request.period
    if period.state == "solving":
        period.state = "review" if working_draft(period) is not None else "collecting"
    return True


def fail(request: SolveRequest, message: str, now: datetime) -> None:
    """Fail a running request whose worker is gone (in the caller's transaction), giving the period back."""
    if give_back(request, message, now):
        audit.record("solve.failed", "period", request.period_id, request=request.id, error=message)


def take(request_id: int, worker: str) -> str:
    """Claim the request for `worker`: RUN (claimed, or taken over from a dead worker), BUSY (a live worker has
    it: try again after the lease) or OVER (finished, or failed now: nothing to run). Commits."""
    now = utcnow()
    request = db.session.get(SolveRequest, request_id)
    if request is None or request.state in ("done", "failed"):
        db.session.rollback()
        return OVER
    if request.state == "running":
        if not heartbeat_stale(request, now):
            db.session.rollback()
            return BUSY
        deadline = request.started_at + timedelta(seconds=request.time_limit_s + HARD_MARGIN_S)
        if deadline < now or request.attempt >= current_app.config["TASK_MAX_ATTEMPTS"]:
            fail(request, STALE_MESSAGE if deadline < now else ATTEMPTS_MESSAGE.format(n=request.attempt), now)
            db.session.commit()
            return OVER
    previous = (request.state, request.attempt, request.worker)
    claimed = db.session.execute(
        update(SolveRequest)
        .where(SolveRequest.id == request_id, SolveRequest.state == previous[0], SolveRequest.attempt == previous[1])
        .values(state="running", attempt=previous[1] + 1, worker=worker, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another worker was quicker: it is alive, by definition
        db.session.rollback()
        return BUSY
    if previous[0] == "running":
        audit.record("solve.takeover", "period", request.period_id, request=request_id, dead_worker=previous[2])
    db.session.commit()
    return RUN


@contextmanager
def heartbeat(request_id: int, attempt: int):
    """Refresh the request's heartbeat every few seconds while the block runs (its own connection and thread:
    the solver holds this one)."""
    engine = db.engine
    stop = threading.Event()
    every = min(5.0, current_app.config["TASK_SOLVE_LEASE"] / 3)

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as conn:
                    conn.execute(
                        update(SolveRequest)
                        .where(SolveRequest.id == request_id, SolveRequest.attempt == attempt)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: BLE001 — a database hiccup: the next beat tries again
                log.warning("heartbeat of solve request %s not written", request_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{request_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def execute(request_id: int, worker: str | None = None, echo: Any = None) -> str:
    """What a solve task does (the worker's, or `sched solve` in its own process): take the request, run it."""
    verdict = take(request_id, worker or worker_name())
    if verdict == RUN:
        run_request(request_id, echo)
    return verdict


def lost(now: datetime | None = None, requeue_after: timedelta = timedelta(minutes=10)) -> list[SolveRequest]:
    """The requests a broker may have lost: running with a stopped heartbeat, or queued and published long ago."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(SolveRequest).where(SolveRequest.state.in_(("queued", "running"))).order_by(SolveRequest.id)
    ).all()
    return [
        r
        for r in candidates
        if (r.state == "running" and heartbeat_stale(r, now))
        or (r.state == "queued" and (r.enqueued_at or r.requested_at) < now - requeue_after)
    ]


def latest_requests(period_ids: list[int]) -> dict[int, SolveRequest]:
    """Each period's latest solve request."""
    latest = (
        select(func.max(SolveRequest.id)).where(SolveRequest.period_id.in_(period_ids)).group_by(SolveRequest.period_id)
    )
    rows = db.session.scalars(select(SolveRequest).where(SolveRequest.id.in_(latest))).all()
    return {r.period_id: r for r in rows}


def request_solve(period: Period, user: User | None, time_limit_s: int = 60) -> SolveRequest:
    """Queue an optimisation of `period` (the caller commits). One queued or running per period."""
    if period.state == "draft":
        raise SolveRefused("Ouvrez d'abord la période au recueil des disponibilités.")
    reclaim_stale()
    if active_request(period) is not None:
        raise SolveRefused(ALREADY_RUNNING)
    request = SolveRequest(
        period_id=period.id, requested_by_id=user.id if user else None, time_limit_s=time_limit_s, progress=[]
    )
    db.session.add(request)
    try:
        db.session.flush()  # the partial unique index refuses a second active request from another worker
    except IntegrityError:
        db.session.rollback()
        raise SolveRefused(ALREADY_RUNNING) from None
    audit.record("solve.request", "period", period.id, actor=user, request=request.id, time_limit_s=time_limit_s)
    return request


def claim_next() -> int | None:
    """Take the oldest queued request (through `take`: two workers never take the same one)."""
    if reclaim_stale():
        db.session.commit()
    while True:
        candidate = db.session.scalar(
            select(SolveRequest.id).where(SolveRequest.state == "queued").order_by(SolveRequest.id).limit(1)
        )
        if candidate is None:
            db.session.rollback()
            return None
        if take(candidate, worker_name()) == RUN:
            return candidate


def progress_writer(request_id: int, echo: Any = None):
    """A progress callback storing (stage, objective, bound, elapsed) rows, written every few seconds.

    It writes through its own connection: the solver may call it from another thread.
    """
    engine = db.engine
    rows: list[dict[str, Any]] = []
    last = [0.0]

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(update(SolveRequest).where(SolveRequest.id == request_id).values(progress=list(rows)))
        last[0] = time.monotonic()

    def callback(event: Any) -> None:
        rows.append(
            {
                "stage": event.stage,
                "objective": event.objective,
                "bound": event.bound,
                "elapsed": round(event.elapsed, 2),
                "message": getattr(event, "message", ""),
            }
        )
        if echo is not None:
            echo(event)
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            flush()

    callback.flush = flush  # type: ignore[attr-defined]
    callback.rows = rows  # type: ignore[attr-defined]
    return callback


def failure_message(period: Period, solution: dict[str, Any]) -> str:
    if solution.get("status") == "infeasible":
        names = wording.Names(period)
        conflicts = " ".join(wording.conflict_fr(c, names) for c in scheduling.conflicts_of(solution))
        return "Les gardes épinglées sont incompatibles avec les règles" + (f" : {conflicts}" if conflicts else ".")
    return "Aucun planning trouvé dans le temps imparti ; relancez avec plus de temps."


def store_result(period: Period, problem: dict, solution: dict, user: User | None) -> RosterVersion:
    """Replace the working draft by the solver's planning; the pins' written reasons are kept."""
    draft = working_draft(period)
    reasons = {(a.shift_id, a.gp_id): a.override_reason for a in draft.assignments} if draft else {}
    if draft is not None:
        db.session.execute(update(SolveRequest).where(SolveRequest.version_id == draft.id).values(version_id=None))
        db.session.delete(draft)
        db.session.flush()
    source = "amendment" if published_version(period) else "solver"
    version = scheduling.apply_solution(period, problem, solution, source=source, user=user)
    for a in version.assignments:
        a.override_reason = reasons.get((a.shift_id, a.gp_id)) if a.pinned else None
    return version


def run_request(request_id: int, echo: Any = None) -> None:
    """Run one claimed request in its own transaction; failures are stored on the request."""
    request = db.session.get(SolveRequest, request_id)
    period, attempt = request.period, request.attempt
    prior_state = period.state
    if prior_state == "solving":  # left so by a dead worker's attempt: what it was before
        prior_state = "review" if working_draft(period) is not None else "collecting"
    # A trial while GPs can still answer leaves the collection open; otherwise the period moves to review.
    if published_version(period) is None and not is_open(period):
        period.state = "solving"
    db.session.commit()
    callback = progress_writer(request_id, echo)
    try:
        with heartbeat(request_id, attempt):
            problem, solution = scheduling.solve_period(
                period,
                working_draft(period),
                time_limit=request.time_limit_s,
                workers=current_app.config["SOLVER_WORKERS"],
                progress=callback,
            )
        if solution.get("status") not in ("optimal", "feasible"):
            raise SolveRefused(failure_message(period, solution))
        # The idempotent store: only this attempt of a still running request stores a result.
        still_ours = db.session.execute(
            update(SolveRequest)
            .where(SolveRequest.id == request_id, SolveRequest.state == "running", SolveRequest.attempt == attempt)
            .values(state="done", finished_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if still_ours != 1:  # reclaimed or taken over meanwhile: a newer attempt or solve may already be running
            db.session.rollback()
            current_app.logger.warning("solve request %s finished after being reclaimed: result dropped", request_id)
            return
        db.session.refresh(request)
        version = store_result(period, problem, solution, request.requested_by)
        if period.state == "solving":
            period.state = "review"
        request.version_id = version.id
        request.progress = list(callback.rows)
        audit.record(
            "solve.done", "roster_version", version.id, actor=request.requested_by,
            status=solution.get("status"), score=solution.get("score"), request=request.id,
        )  # fmt: skip
        db.session.commit()
    except Exception as error:  # noqa: BLE001 — any failure is reported on the request, never lost
        db.session.rollback()
        current_app.logger.exception("solve request %s failed", request_id)
        request = db.session.get(SolveRequest, request_id)
        if request.state != "running" or request.attempt != attempt:  # reclaimed or taken over meanwhile
            return
        request.period.state = prior_state
        request.state, request.finished_at = "failed", utcnow()
        if isinstance(error, MemoryError):
            request.error = MEMORY_MESSAGE.format(mb=current_app.config["TASK_MEMORY_LIMIT_MB"])
        else:
            request.error = str(error) or error.__class__.__name__
        request.progress = list(callback.rows)
        audit.record("solve.failed", "period", period.id, actor=request.requested_by, error=request.error)
        db.session.commit()


def run_queued_solves(echo: Any = None) -> int:
    """Run every queued request, one after the other; returns how many ran. `echo` also sees the progress."""
    count = 0
    while (request_id := claim_next()) is not None:
        run_request(request_id, echo)
        count += 1
    return count
