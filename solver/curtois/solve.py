"""Solve a Curtois–Qu instance under the shared SolveParams, and check the result independently.

Up to LNS_FROM assignment variables, the whole CP-SAT model gets the whole time limit: it proves the
small instances optimal and gives a lower bound. Larger instances go to the employee LNS (lns.py): on two
cores the whole model spends the minute in presolve and the root LP before its first good roster.
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
from solver.curtois.model import Context, build_model, configure, exact_penalty, extract_roster, objective_of
from solver.params import SolveParams

STAGE = "curtois"
# From this many assignment variables on, the employee LNS replaces the whole model (measured, 60 s,
# 2 busy cores: Instance12, 16 800 variables: whole model 13 968, LNS 5 958; Instances 9-11, 4 032-8 400
# variables: the whole model as good or better, e.g. Instance9 539 against 882).
LNS_FROM = 10_000
CHECK_SECONDS = 10.0  # for the full model to confirm an LNS roster's penalty (x fixed: near instant)


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

    def __init__(self, params: SolveParams, started: float, ctx: Context) -> None:
        super().__init__()
        self.params, self.started, self.ctx = params, started, ctx
        self.curve: list[tuple[float, int]] = []

    def add(self, penalty: int, bound: float | None, message: str = "") -> None:
        # Only improvements: a later phase may restart from worse rosters before it reaches the best one.
        if not self.curve or penalty < self.curve[-1][1]:
            self.curve.append((time.monotonic() - self.started, penalty))
            self.params.report(STAGE, penalty, bound, message)

    def on_solution_callback(self) -> None:
        self.add(exact_penalty(self.ctx, round(self.objective_value), self.value), self.best_objective_bound)


def _full_model(
    ctx: Context, params: SolveParams, recorder: _Recorder
) -> tuple[str, Roster | None, int | None, int | None]:
    """The whole model for the remaining time. Returns (status name, roster or None, claimed, bound)."""
    solver = cp_model.CpSolver()
    configure(solver, max(0.01, params.remaining()), params.workers, params.seed)
    status = solver.solve(ctx.model, recorder)
    raw = solver.best_objective_bound
    bound = round(raw) if status != cp_model.INFEASIBLE and math.isfinite(raw) else None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None, None, bound
    claimed = exact_penalty(ctx, round(solver.objective_value), solver.value)
    return solver.status_name(status), extract_roster(ctx, solver), claimed, bound


def _employee_lns(ctx: Context, params: SolveParams, recorder: _Recorder) -> tuple[str, Roster | None, int | None]:
    """A constructed roster improved by the employee LNS; the claim is the full model's objective of it."""
    rng = random.Random(params.seed)
    roster = lns.construct(ctx.instance, params, rng)
    if roster is None:
        return "UNKNOWN", None, None
    recorder.add(evaluate(ctx.instance, roster).penalty, None, "constructed")
    roster = lns.improve(ctx.instance, roster, params, rng, lambda _, penalty: recorder.add(penalty, None, "lns"))
    # The LNS ranks rosters with the evaluator; what the solver claims comes from the full model.
    claimed = objective_of(ctx, roster, CHECK_SECONDS)
    return ("FEASIBLE" if claimed is not None else "MODEL_INVALID"), roster, claimed


def solve_instance(instance: Instance, params: SolveParams) -> CurtoisResult:
    """The whole model, or the employee LNS on large instances; the roster checked by the evaluator."""
    started = time.monotonic()
    ctx, _ = build_model(instance)
    recorder = _Recorder(params, started, ctx)
    params.report(STAGE, None, None, f"model built, {len(ctx.x)} assignment variables")
    if len(ctx.x) < LNS_FROM:
        status, roster, claimed, bound = _full_model(ctx, params, recorder)
    else:
        (status, roster, claimed), bound = _employee_lns(ctx, params, recorder), None
    evaluation = evaluate(instance, roster) if roster is not None else None
    result = CurtoisResult(
        instance.name, status, roster, claimed, bound, evaluation, time.monotonic() - started, recorder.curve
    )
    params.report(STAGE, claimed, bound, f"status {result.status}")
    return result
