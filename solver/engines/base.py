"""What every engine returns, and the bookkeeping shared by the staged (lexicographic) engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.formulation import Context, LinearModel
from solver.model import Pair
from solver.params import SolveParams
from solver.stages import Stage


@dataclass
class StageResult:
    """One rank's stage: the value reached, the bound proven, and whether they met."""

    key: str
    value: int
    bound: int
    proven: bool
    seconds: float
    # Which back-end proved the bound, when it is not the engine itself (CP-SAT's max_load stage may hand its
    # last question to HiGHS): stats say who proved what.
    prover: str | None = None
    # Seconds since the solve started when the rank was proven (None while unproven).
    at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"key": self.key, "value": self.value, "bound": self.bound, "proven": self.proven, "s": self.seconds}
        if self.prover is not None:
            out["prover"] = self.prover
        if self.at is not None and self.proven:
            out["proven_at_s"] = round(self.at, 3)
        return out


@dataclass
class EngineResult:
    """A roster (None when nothing was found in time), whether every rank is proven, and timings."""

    pairs: list[Pair] | None
    proven: bool
    stages: list[StageResult] = field(default_factory=list)
    time_to_best: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Tracker:
    """Records when the score last changed, so the benchmark can say how soon the final score was reached."""

    def __init__(self, params: SolveParams) -> None:
        self.params = params
        self.last_change = 0.0
        self._stage_first: float | None = None
        self._seen_any = False

    def changed(self) -> None:
        """The roster's score changed outside a search callback (a roster handed over by another back-end)."""
        self.last_change = self.params.elapsed()

    def start_stage(self) -> None:
        self._stage_first = None

    def incumbent(self, stage: str, objective: float, bound: float | None) -> None:
        # The first incumbent of a stage is normally the previous stage's roster (the hint): the score vector
        # only changes when a stage finds something strictly better than where it started.
        if not self._seen_any:
            self._seen_any = True
            self.last_change = self.params.elapsed()
        if self._stage_first is None:
            self._stage_first = objective
        elif objective < self._stage_first - 0.5:
            self.last_change = self.params.elapsed()
        self.params.report(stage, objective, bound)


def pairs_from(ctx: Context, values: list[int]) -> list[Pair]:
    """The assignments whose x variable is 1."""
    return [pair for pair, v in ctx.model.x.items() if values[v] > 0]


def stage_results(
    model: LinearModel,
    stage: Stage,
    values: list[int],
    bound: int,
    proven: bool,
    seconds: float,
    prover: str | None = None,
    at: float | None = None,
) -> list[StageResult]:
    """Per-rank results of a (possibly combined) stage; an unproven stage bounds only its first rank."""
    bounds = stage.key_bounds(model, bound)
    out = []
    for key in stage.keys:
        value = model.value(key, values)
        low = value if proven else min(value, bounds.get(key, value))
        out.append(StageResult(key, value, low, proven, seconds, prover if proven else None, at if proven else None))
    return out


def with_constants(model: LinearModel, results: list[StageResult]) -> list[StageResult]:
    """Add the ranks that needed no stage (constant objectives), in rank order."""
    done = {r.key: r for r in results}
    out = []
    for key, objective in model.objectives.items():
        if key in done:
            out.append(done[key])
        elif not objective.terms:
            out.append(StageResult(key, objective.constant, objective.constant, True, 0.0))
    return out


def final_values(model: LinearModel, results: list[StageResult], values: list[int] | None) -> list[StageResult]:
    """Each rank's value in the final roster: a later stage may still improve a rank left unproven (it is
    only bounded by `<=`), and the reported value must be the checker's."""
    if values is None:
        return results
    out = []
    for r in results:
        value = model.value(r.key, values)
        out.append(StageResult(r.key, value, min(r.bound, value), r.proven, r.seconds, r.prover, r.at))
    return out
