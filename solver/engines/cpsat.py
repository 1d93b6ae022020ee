"""CP-SAT engine: the shared linear model, optimised rank by rank with the earlier ranks bounded."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.engines.base import EngineResult, StageResult, Tracker, pairs_from, stage_results, with_constants
from solver.formulation import LinearModel, build
from solver.model import Problem
from solver.params import SolveParams
from solver.stages import plan


class _Progress(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution (stage, objective, bound) to the tracker."""

    def __init__(self, tracker: Tracker, stage: str) -> None:
        super().__init__()
        self.tracker, self.stage = tracker, stage

    def on_solution_callback(self) -> None:
        self.tracker.incumbent(self.stage, self.objective_value, self.best_objective_bound)


def _translate(model: LinearModel) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    cp = cp_model.CpModel()
    variables = [
        cp.new_bool_var(name) if (lo, hi) == (0, 1) else cp.new_int_var(lo, hi, name)
        for lo, hi, name in zip(model.lb, model.ub, model.names, strict=True)
    ]
    for row in model.rows:
        expr = cp_model.LinearExpr.weighted_sum([variables[i] for i in row.terms], list(row.terms.values()))
        lo = cp_model.INT_MIN if row.lo is None else row.lo
        hi = cp_model.INT_MAX if row.hi is None else row.hi
        cp.add_linear_constraint(expr, lo, hi)
    return cp, variables


def _parameters(params: SolveParams) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, params.remaining())
    solver.parameters.num_workers = max(1, params.workers)
    solver.parameters.random_seed = params.seed
    # The model is a network with side rows: its LP relaxation is strong, so let CP-SAT use all of it.
    solver.parameters.linearization_level = 2
    return solver


def solve_cpsat(problem: Problem, params: SolveParams) -> EngineResult:
    """Optimise the ranks stage by stage; each stage starts from the previous roster (hint) and bounds the ranks above."""
    ctx = build(problem)
    model = ctx.model
    cp, variables = _translate(model)
    tracker = Tracker(params)
    results: list[StageResult] = []
    values: list[int] | None = None
    proven = True
    stages = plan(model)
    for stage in stages:
        if params.remaining() <= 0:
            proven = False
            break
        expr = cp_model.LinearExpr.weighted_sum([variables[i] for i in stage.terms], list(stage.terms.values()))
        cp.minimize(expr)
        cp.clear_hints()
        if values is not None:
            for var, value in zip(variables, values, strict=True):
                cp.add_hint(var, value)
        solver = _parameters(params)
        tracker.start_stage()
        started = params.elapsed()
        status = solver.solve(cp, _Progress(tracker, stage.name))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            break
        values = [int(solver.value(v)) for v in variables]
        done = status == cp_model.OPTIMAL
        proven &= done
        combined = int(solver.objective_value)
        bound = combined if done else int(-(-solver.best_objective_bound // 1))
        params.report(stage.name, combined, bound, "proven" if done else "time limit")
        results.extend(stage_results(model, stage, values, bound, done, params.elapsed() - started))
        # Later ranks may only choose among rosters that keep this stage at its value.
        cp.add(expr <= combined)
    pairs = None if values is None else pairs_from(ctx, values)
    finished = len({r.key for r in results}) == sum(len(s.keys) for s in stages)
    return EngineResult(pairs, proven and finished, with_constants(model, results), tracker.last_change)
