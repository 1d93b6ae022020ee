"""Parameters and progress reporting shared by every engine and model of the solver package."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    """One progress report: which stage, the objective found so far, the proven bound, seconds elapsed."""

    stage: str
    objective: float | None
    bound: float | None
    elapsed: float
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass
class SolveParams:
    """What every engine accepts: a wall-clock limit shared by all its stages, workers, seed, progress."""

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    progress: ProgressCallback | None = None
    # The max-load stage may hand an undecided cap to HiGHS in a child process; False keeps it CP-SAT only.
    milp_fallback: bool = True
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return max(0.0, self.time_limit - self.elapsed())

    def report(self, stage: str, objective: float | None, bound: float | None, message: str = "") -> None:
        if self.progress is not None:
            self.progress(Progress(stage, finite(objective), finite(bound), self.elapsed(), message))


def finite(value: float | None) -> float | None:
    """None for a value no engine has yet (CP-SAT reports ±inf before it has a bound): JSON has no infinity."""
    return value if value is not None and math.isfinite(value) else None


def print_progress(event: Progress) -> None:
    """The command line's progress callback: one line per report on stderr."""
    parts = [f"[{event.elapsed:7.2f}s] {event.stage}"]
    if event.objective is not None:
        parts.append(f"objective={event.objective:g}")
    if event.bound is not None:
        parts.append(f"bound={event.bound:g}")
    if event.message:
        parts.append(event.message)
    print(" ".join(parts), file=sys.stderr, flush=True)
