"""Solve a Curtois–Qu instance with CP-SAT under the shared SolveParams, and check the result."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.curtois.evaluate import Evaluation, Roster, evaluate
from solver.curtois.instance import Instance
from solver.curtois.model import Context, build_model
from solver.params import SolveParams

STAGE = "curtois"


@dataclass
class CurtoisResult:
    """What one solve produced: the roster, the penalty CP-SAT claims, its bound and the improvement curve."""

    instance: str
    status: str
    roster: Roster | None
    claimed: int | None
    bound: int | None
    evaluation: Evaluation | None
    seconds: float
    # (seconds since the solver started, penalty) for every improving solution.
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


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records the improvement curve and forwards each solution to params.report."""

    def __init__(self, params: SolveParams) -> None:
        super().__init__()
        self.params = params
        self.curve: list[tuple[float, int]] = []

    def on_solution_callback(self) -> None:
        objective = round(self.objective_value)
        self.curve.append((self.wall_time, objective))
        self.params.report(STAGE, objective, self.best_objective_bound)


def extract_roster(ctx: Context, solver: cp_model.CpSolver) -> Roster:
    """Read the x variables back into employee -> [shift id or None per day]."""
    roster: Roster = {}
    for e in ctx.instance.employees:
        days: list[str | None] = []
        for d in range(ctx.instance.horizon):
            worked = [t for t in ctx.instance.shift_ids if solver.boolean_value(ctx.x[e.id, d, t])]
            days.append(worked[0] if worked else None)
        roster[e.id] = days
    return roster


def solve_instance(instance: Instance, params: SolveParams) -> CurtoisResult:
    """Build, solve within params.remaining(), evaluate the roster independently."""
    ctx, _ = build_model(instance)
    params.report(STAGE, None, None, f"model built, {len(ctx.x)} assignment variables")
    solver = cp_model.CpSolver()
    # A tiny floor keeps CP-SAT from rejecting a zero limit when model building used the whole budget.
    solver.parameters.max_time_in_seconds = max(0.01, params.remaining())
    solver.parameters.num_workers = max(1, params.workers)
    solver.parameters.random_seed = params.seed
    progress = _Progress(params)
    status = solver.solve(ctx.model, progress)

    roster = claimed = bound = evaluation = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        roster = extract_roster(ctx, solver)
        claimed = round(solver.objective_value)
        bound = round(solver.best_objective_bound)
        evaluation = evaluate(instance, roster)
    result = CurtoisResult(
        instance.name,
        solver.status_name(status),
        roster,
        claimed,
        bound,
        evaluation,
        solver.wall_time,
        progress.curve,
    )
    params.report(STAGE, claimed, bound, f"status {result.status}")
    return result
