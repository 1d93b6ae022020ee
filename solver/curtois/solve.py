"""Solve a Curtois–Qu instance under the shared SolveParams, and check the result independently.

Three phases share the time limit. First the whole CP-SAT model (FULL_SHARE of the time): it proves the
small instances optimal and gives a lower bound. If it did not prove optimality, the employee LNS
(lns.py) improves the better of its roster and a constructed one, and the whole model gets the last
FINAL_SHARE of the time, started from the LNS roster, to improve it further or prove it optimal.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.curtois import lns
from solver.curtois.evaluate import Evaluation, Roster, evaluate
from solver.curtois.instance import Instance
from solver.curtois.model import Context, build_model, configure, extract_roster, objective_of
from solver.params import SolveParams

STAGE = "curtois"
FULL_SHARE = 0.25
FINAL_SHARE = 0.2


@dataclass
class CurtoisResult:
    """What one solve produced: the roster, the penalty claimed, the bound and the improvement curve."""

    instance: str
    status: str
    roster: Roster | None
    claimed: int | None
    bound: int | None
    evaluation: Evaluation | None
    seconds: float
    # (seconds since the solve started, penalty) for every improving roster.
    curve: list[tuple[float, int]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """A roster exists, has no hard violation, and the evaluator agrees with the claimed penalty."""
        return self.evaluation is not None and self.evaluation.feasible and self.evaluation.penalty == self.claimed

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"

    def penalty_at(self, seconds: float) -> int | None:
        """Best penalty found within the first `seconds` of the solve (None if none yet)."""
        found = [p for t, p in self.curve if t <= seconds]
        return min(found) if found else None


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Records the improvement curve and forwards each solution to params.report."""

    def __init__(self, params: SolveParams, started: float) -> None:
        super().__init__()
        self.params, self.started = params, started
        self.curve: list[tuple[float, int]] = []

    def add(self, penalty: int, bound: float | None, message: str = "") -> None:
        # Only improvements: a later phase may restart from worse rosters before it reaches the best one.
        if not self.curve or penalty < self.curve[-1][1]:
            self.curve.append((time.monotonic() - self.started, penalty))
            self.params.report(STAGE, penalty, bound, message)

    def on_solution_callback(self) -> None:
        self.add(round(self.objective_value), self.best_objective_bound)


def _full_model(ctx: Context, params: SolveParams, recorder: _Recorder, seconds: float, hint: Roster | None):
    """The whole model, from `hint` if given. Returns (status name, roster or None, claimed, bound)."""
    ctx.model.clear_hints()
    if hint is not None:
        for (e, d, t), var in ctx.x.items():
            ctx.model.add_hint(var, hint[e][d] == t)
    solver = cp_model.CpSolver()
    configure(solver, max(0.01, seconds), params.workers, params.seed)
    status = solver.solve(ctx.model, recorder)
    raw = solver.best_objective_bound
    bound = round(raw) if status != cp_model.INFEASIBLE and math.isfinite(raw) else None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None, None, bound
    return solver.status_name(status), extract_roster(ctx, solver), round(solver.objective_value), bound


def solve_instance(instance: Instance, params: SolveParams) -> CurtoisResult:
    """Full model; if not proven optimal, employee LNS, then the full model again from the LNS roster."""
    started = time.monotonic()
    recorder = _Recorder(params, started)
    ctx, _ = build_model(instance)
    params.report(STAGE, None, None, f"model built, {len(ctx.x)} assignment variables")
    total = params.remaining()
    status, roster, claimed, bound = _full_model(ctx, params, recorder, total * FULL_SHARE, None)
    if status in ("FEASIBLE", "UNKNOWN") and params.remaining() > 1:
        rng = random.Random(params.seed)
        built = lns.construct(instance, params, rng)
        if built is not None and (roster is None or _penalty(instance, built) < _penalty(instance, roster)):
            roster = built
            recorder.add(_penalty(instance, roster), bound, "constructed")
        if roster is not None:

            def improved(found: Roster, penalty: int) -> None:
                recorder.add(penalty, bound, "lns")

            roster = lns.improve(instance, roster, params, rng, improved, reserve=total * FINAL_SHARE)
            # The LNS ranks rosters with the evaluator; what the solver claims comes from the full model.
            final = _full_model(ctx, params, recorder, params.remaining(), roster)
            # CP-SAT may fail to take up the hint in a short final phase and end on a worse roster.
            if final[1] is not None and final[2] <= _penalty(instance, roster):
                status, roster, claimed = final[0], final[1], final[2]
            else:
                status, claimed = "FEASIBLE", objective_of(ctx, roster, 10.0)
            bounds = [b for b in (bound, final[3]) if b is not None]
            bound = max(bounds) if bounds else None

    evaluation = evaluate(instance, roster) if roster is not None else None
    result = CurtoisResult(
        instance.name, status, roster, claimed, bound, evaluation, time.monotonic() - started, recorder.curve
    )
    params.report(STAGE, claimed, bound, f"status {result.status}")
    return result


def _penalty(instance: Instance, roster: Roster) -> int:
    return evaluate(instance, roster).penalty
