"""Runs the HiGHS engine in a child process: highspy and OR-Tools cannot be loaded in the same process.

Progress events cross back through a queue and are replayed on the parent's callback; the child shares the
parent's clock (time.monotonic is system-wide), so elapsed times and the time limit stay one budget.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from typing import Any

from solver.engines.base import EngineResult
from solver.model import Problem
from solver.params import Progress, SolveParams

# HiGHS stops itself at its time limit; past it by this much the child is stuck (a long presolve, a crash that
# left it hanging) and is killed, so a solve never outlives its budget by more than this.
KILL_GRACE_S = 30.0


def _child(problem: Problem, limits: dict[str, Any], events: Any) -> None:
    from solver.engines.highs import solve_highs

    def forward(event: Progress) -> None:
        events.put(("progress", event))

    params = SolveParams(progress=forward, **limits)
    try:
        events.put(("result", solve_highs(problem, params)))
    except Exception as exc:  # the parent must hear about a crash, not wait for the time limit
        events.put(("error", f"{type(exc).__name__}: {exc}"))


def _in_child(target: Any, args: tuple[Any, ...], progress: Any = None, deadline: float | None = None) -> Any:
    """Run target(*args, events) in a spawned interpreter, replay its progress, return its result.

    `deadline` (time.monotonic()): the child is killed when it is still running then, and RuntimeError raised.
    """
    context = mp.get_context("spawn")
    events = context.Queue()
    child = context.Process(target=target, args=(*args, events), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = events.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError("the HiGHS process ended without a result") from None
                if deadline is not None and time.monotonic() > deadline:
                    child.kill()
                    raise RuntimeError("the HiGHS process was killed at its deadline") from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(payload)
            elif kind == "result":
                return payload
            else:
                raise RuntimeError(f"HiGHS engine failed: {payload}")
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()


def solve_highs_isolated(problem: Problem, params: SolveParams) -> EngineResult:
    """Same contract as every engine; the model is built and solved in a spawned interpreter."""
    limits = {
        "time_limit": params.time_limit,
        "workers": params.workers,
        "seed": params.seed,
        "started": params.started,
    }
    deadline = params.started + params.time_limit + KILL_GRACE_S
    return _in_child(_child, (problem, limits), params.progress, deadline)


def _rows_child(args: tuple[Any, ...], events: Any) -> None:
    from solver.engines.highs import solve_rows

    try:
        events.put(("result", solve_rows(*args)))
    except Exception as exc:
        events.put(("error", f"{type(exc).__name__}: {exc}"))


def solve_rows_isolated(
    problem: Problem,
    objective: dict[int, int],
    rows: list[tuple[dict[int, int], int]],
    hint: list[int] | None,
    time_limit: float,
    seed: int = 0,
    upper: dict[int, int] | None = None,
) -> tuple[str, list[int] | None, float]:
    """`highs.solve_rows` in a spawned interpreter (see the module docstring); same arguments, same result."""
    deadline = time.monotonic() + time_limit + KILL_GRACE_S
    return _in_child(_rows_child, ((problem, objective, rows, hint, time_limit, seed, upper),), deadline=deadline)


class RowsJob:
    """`highs.solve_rows` started in a spawned interpreter and left running: the parent keeps its own core for
    CP-SAT meanwhile (HiGHS's MIP search is single-threaded), then collects the result or ends the child."""

    def __init__(
        self,
        problem: Problem,
        objective: dict[int, int],
        rows: list[tuple[dict[int, int], int]],
        time_limit: float,
        seed: int = 0,
        upper: dict[int, int] | None = None,
    ) -> None:
        context = mp.get_context("spawn")
        self.events = context.Queue()
        self.deadline = time.monotonic() + time_limit + KILL_GRACE_S
        args = ((problem, objective, rows, None, time_limit, seed, upper),)
        self.child = context.Process(target=_rows_child, args=(*args, self.events), daemon=True)
        self.child.start()

    def result(self, timeout: float | None = None) -> tuple[str, list[int] | None, float] | None:
        """The child's result; None when it is still running after `timeout` seconds (None: until it ends)."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = 1.0 if end is None else max(0.0, min(1.0, end - time.monotonic()))
            try:
                kind, payload = self.events.get(timeout=wait)
            except queue.Empty:
                if not self.child.is_alive():
                    self.stop()
                    raise RuntimeError("the HiGHS process ended without a result") from None
                if time.monotonic() > self.deadline:
                    self.stop(now=True)
                    raise RuntimeError("the HiGHS process was killed at its deadline") from None
                if end is not None and time.monotonic() >= end:
                    return None
                continue
            self.stop()
            if kind == "result":
                return payload  # type: ignore[no-any-return]
            raise RuntimeError(f"HiGHS engine failed: {payload}")

    def stop(self, now: bool = False) -> None:
        """End the child: wait for it after its answer, kill it at once (`now`) when the answer is not needed."""
        if not now:
            self.child.join(timeout=5)
        if self.child.is_alive():
            self.child.kill()
            self.child.join(timeout=5)
